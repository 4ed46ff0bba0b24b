//! Diagnostic codes: the stable, kebab-case names CI matches on, and what each one means.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Defines [`Code`] from one list of `Variant => "code", "help";`: the enum, [`Code::ALL`],
/// [`Code::as_str`] and [`Code::help`], so that a code cannot lack its string or its help.
macro_rules! codes {
    ($($variant:ident => $code:literal, $help:literal;)+) => {
        /// A diagnostic's code: what kind of finding it is, stable across versions.
        ///
        /// Written as its kebab-case string ([`Code::as_str`]) everywhere a finding is shown or
        /// serialised (`error[unknown-system]`, `"code": "unknown-system"`, a SARIF rule id);
        /// parsed back with [`str::parse`]. New codes come in minor versions, hence
        /// `#[non_exhaustive]`. Each variant's documentation is its [`Code::help`].
        ///
        /// # Examples
        ///
        /// ```
        /// use unified_message::{Code, Engine};
        ///
        /// let err = Engine::from_toml_str("[policy]\nname = \"x\"\n").unwrap_err();
        /// let d = err.diagnostics().iter().find(|d| d.code == Code::MissingRevision).unwrap();
        /// assert_eq!(d.code, "missing-revision");
        /// assert_eq!(d.code.to_string(), "missing-revision");
        /// assert_eq!("missing-revision".parse::<Code>(), Ok(Code::MissingRevision));
        /// assert!(Code::MissingRevision.help().contains("revision"));
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $(
                #[doc = $help]
                $variant,
            )+
        }

        impl Code {
            /// Every code, sorted by its string.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The code as written in reports: `unknown-system`. Stable.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)+
                }
            }

            /// What findings with this code mean and what generally fixes them, in one or two
            /// sentences: the help of a SARIF rule. Each finding's own message and hint say what
            /// is wrong in that instance.
            pub const fn help(self) -> &'static str {
                match self {
                    $(Code::$variant => $help,)+
                }
            }
        }
    };
}

codes! {
    AmbiguousMessage => "ambiguous-message",
        "A message is written two ways at once (`text` and `versions`, or `channels` beside versions), so which text is delivered is unclear. Keep one form.";
    AnswersDiffer => "answers-differ",
        "Invariant I2: two responders of the same tier answer the same circumstance with different messages. Give every responder of the same tier the same message (a rule's fixed `answer` applies to everyone).";
    ApproverUnstaffed => "approver-unstaffed",
        "R4.3: `authorized` authority names an approver rank (the topic's `approver`, or the rank above the responder) that no role of the department holds, so authorization is requested from the next rank above it that has a role, or the conversation goes to the review. Add a role of that rank, or name the rank that authorizes as `approver`.";
    ApproverWithoutAuthorized => "approver-without-authorized",
        "A topic names an approver but its authority is not `authorized`, so the approver is never asked. Remove `approver`, or set `authority = \"authorized\"`.";
    AuthorizeDeadEnd => "authorize-dead-end",
        "Invariant I4: authorization is requested from a rank the department has no role of, or above. Add a role of that rank, or name another approver rank.";
    BadDuration => "bad-duration",
        "A duration (such as the review window) does not parse. Write a number and a unit: `24h`, `2d`, `90m`, `1h30m`.";
    BadKeyword => "bad-keyword",
        "A triage keyword is not written as triage reads text (lowercase, without accents). Rewrite it in lowercase without accents.";
    BadLocale => "bad-locale",
        "A locale is empty or not a language tag. Use a tag such as `es` or `en-GB`.";
    BadNumber => "bad-number",
        "A number of the policy (a severity, an urgency weight) is negative, not finite or not a number. Write a plain non-negative number.";
    BadPattern => "bad-pattern",
        "A topic pattern is not a topic id, a prefix (`email.*`) or `*`. Write one of those forms.";
    BadPlaceholder => "bad-placeholder",
        "A message text has a malformed placeholder (an unclosed or empty `{…}`). Close it, or write a literal brace as `{{` or `}}`.";
    BadRegex => "bad-regex",
        "A pattern (forbidden phrase, triage keyword, fact pattern) is not a valid regular expression. Fix its syntax.";
    BadThreshold => "bad-threshold",
        "The triage threshold is not a number between 0 and 1. Use a confidence such as the default.";
    BadTopicId => "bad-topic-id",
        "A topic id has characters a topic id may not have. Use lowercase words separated by dots, such as `email.setup`.";
    ChannelDependent => "channel-dependent",
        "Invariant I1: the same circumstance gets a different decision on another channel though no rule names a channel (R0.1). The channel may change how a message is rendered, never what is said.";
    ChannelSpecificRule => "channel-specific-rule",
        "A rule names a channel: the one allowed exception to channel independence (I1), listed so reviewers see it. No fix needed if the difference is intended.";
    ConflictingRules => "conflicting-rules",
        "Two rules can match the same circumstance with different values for the same effect, so the first silently wins. Make their `when` conditions exclusive, or give both the same value.";
    DefaultLocaleChanged => "default-locale-changed",
        "A diff: the policy's default locale (the first of `[policy].locales`) changed, so every contact without a known locale now hears the messages listed in another language. Make sure that is intended, or restore the order of `locales`.";
    DepartmentUnanswerable => "department-unanswerable",
        "Nobody can answer some topics of a department, in any circumstance. Add a role to the department, or grant a role `own` authority on these topics.";
    DiffTooLarge => "diff-too-large",
        "A diff would list more decision changes than `max_table_size` allows, so only the first combination of fact values of each change is listed. Compare smaller policies, or raise `EngineBuilder::max_table_size`.";
    DuplicateId => "duplicate-id",
        "Two entries of the same section share an id, so references to it are ambiguous. Rename one of them.";
    DuplicateKey => "duplicate-key",
        "A key is written twice in the same table, so one value would silently win. Remove one of them.";
    DuplicateLocale => "duplicate-locale",
        "A locale is declared twice. Remove the repetition.";
    EmptyCondition => "empty-condition",
        "A rule condition lists no value, so the rule can never match. List the values that match.";
    EmptyFact => "empty-fact",
        "An urgency weight names no fact. Name the fact the host supplies, such as `plan`.";
    EmptyId => "empty-id",
        "An entry has an empty id. Give it a short, stable id.";
    EmptyMessage => "empty-message",
        "A message has no text. Write its text, or remove the message.";
    EmptyPolicy => "empty-policy",
        "The policy file is empty or holds only comments. Write the policy's sections (`[policy]`, `[departments]`, `[topics]`, …) or check that the right file was given.";
    EmptyRankOrder => "empty-rank-order",
        "A department's rank order is empty, so nobody can be escalated to. List its ranks from lowest to highest.";
    EmptyRule => "empty-rule",
        "A rule changes nothing. Give it an effect (`answer`, `skip_ladder`, `authority` or `route`) or remove it.";
    EmptyText => "empty-text",
        "Invariant I4: a text is empty, so customers in its locale would be told nothing. Write the text.";
    EscalationDeadEnd => "escalation-dead-end",
        "Invariant I4: a customer who asks for a superior is handed to a rank no role of the department holds, so the rank chain does not reach the review (R3.3). Add a role of that rank.";
    FallbackChanged => "fallback-changed",
        "A diff: `[policy].fallback` names another topic, so every contact with an unknown topic, no topic or a text below the triage threshold is now decided for the new fallback; the decisions that change are listed under the pseudo-topic `(unknown topic / no topic)`. Make sure that is intended.";
    FallbackWithoutExplanation => "fallback-without-explanation",
        "The fallback topic has no explanation, so a contact about an unknown topic gets nothing to read. Give the fallback topic an `explains` message.";
    ForbiddenPhrase => "forbidden-phrase",
        "A message text contains a phrase the policy's `[style]` forbids (R2.3). Reword the text.";
    GrantMatchesNoTopic => "grant-matches-no-topic",
        "An authority grant's topic pattern matches no topic, so it grants nothing. Correct the pattern or remove the grant.";
    InvalidUtf8 => "invalid-utf8",
        "The policy file is not valid UTF-8 text. Save it as UTF-8.";
    KeywordMatchesEmpty => "keyword-matches-empty",
        "A triage keyword matches the empty text, so it would match every message. Make it require at least one character.";
    KeywordsTooBig => "keywords-too-big",
        "The triage keywords of a locale together exceed the size limit. Simplify them (prefer literal words to large classes) or raise the engine's regex size limit.";
    LadderOrder => "ladder-order",
        "Invariant I3: a person answers a topic before the customer has been through its systems (R0.5). Give the fixed answer to every responder, or skip the ladder explicitly with `skip_ladder = true`.";
    MessageRemoved => "message-removed",
        "A diff: a message of the old policy is gone, but customers may be pinned to one of its versions, and a pinned customer who hears a new text would be told nothing of what they heard before (R0.3). Keep the message with all its versions; it may stay unused.";
    MissingAnswer => "missing-answer",
        "A topic has no answer for a person to give once the systems are exhausted. Add `answer = \"<message id>\"`.";
    MissingChange => "missing-change",
        "A later version of a message does not say what kind of change it is. Add `change = \"editorial\"` (same instructions, better words) or `change = \"substantive\"` (the procedure changed).";
    MissingChangeNotice => "missing-change-notice",
        "A message has a substantive version but there is no `[handover].changed` text, so customers who got the old version are told the previous text with no framing. Add it, one text per locale.";
    MissingDepartment => "missing-department",
        "A role has no department. Add `department = \"<department>\"`.";
    MissingFallback => "missing-fallback",
        "The policy names no fallback topic for contacts whose topic is unknown. Add `fallback` to `[policy]`.";
    MissingHandover => "missing-handover",
        "A handover text (redirect, route, authorize, escalate, review, changed) is missing. Add it under `[handover]`, one text per locale.";
    MissingLocale => "missing-locale",
        "A text is missing in some locale the policy declares. Add one text per locale of `[policy].locales`.";
    MissingName => "missing-name",
        "The policy has no name. Add `name` to `[policy]`.";
    MissingOwner => "missing-owner",
        "A topic has no owning department. Add `owner = \"<department>\"`.";
    MissingRank => "missing-rank",
        "A role has no rank. Add `rank = \"<rank>\"`.";
    MissingRanks => "missing-ranks",
        "A department declares no ranks. List its ranks from lowest to highest.";
    MissingRevision => "missing-revision",
        "The policy has no revision label, so decisions could not be traced to it. Add `revision` to `[policy]`.";
    MissingRuleId => "missing-rule-id",
        "A rule has no id, so decisions cannot name it. Give it a short, stable `id`.";
    MissingTier => "missing-tier",
        "A system has no tier. Add `tier = \"explains\"` or `tier = \"serves\"`.";
    NoLocales => "no-locales",
        "The policy declares no locale. List its locales, the default first.";
    OutOfLane => "out-of-lane",
        "Invariant I5: a role answers, with `own` or `authorized` authority, a topic another department owns, with no explicit grant (R0.2, R0.8). Restrict the rule to the owning department, or grant the role authority on the topic explicitly.";
    ParseError => "parse-error",
        "The policy file does not parse (syntax, an unknown field, a value of the wrong type). Fix it at the line and column given.";
    PersonIsNotASystem => "person-is-not-a-system",
        "A system has tier `person`: a system is anything that is not a person (R0.4). Use `explains` or `serves`.";
    PlaceholderNotAvailable => "placeholder-not-available",
        "A text uses a placeholder that has no value where the text is delivered. Use a placeholder available there, or remove it.";
    PolicyTooLarge => "policy-too-large",
        "A table the engine derives from the policy (roles × topics, topics × rules) exceeds the engine's size limit. Split the policy or raise `EngineBuilder::max_table_size`.";
    PolicyUnreadable => "policy-unreadable",
        "The policy could not be read at all: its file is missing or not UTF-8, its format is unknown, or loading it failed (a host such as the decision service reports this; the revision in force keeps serving). Fix the file or the path.";
    RankGap => "rank-gap",
        "A department has no role at some rank between its lowest and its highest, so escalation skips it on the way to the review (R3.3). Add a role at that rank or remove the rank.";
    RegexTooBig => "regex-too-big",
        "A pattern compiles to more than the regex size limit. Simplify it, or raise `EngineBuilder::regex_size_limit`.";
    ReservedId => "reserved-id",
        "An id uses a reserved prefix (such as `handover.`, which names the handover texts). Rename it.";
    ReservedPlaceholder => "reserved-placeholder",
        "A declared placeholder is one the engine fills itself. Remove it from `placeholders`.";
    RevisionUnchanged => "revision-unchanged",
        "The policy changed but kept its `revision` label, so records of the two revisions could not be told apart. Give the new policy a new revision.";
    RouteDeadEnd => "route-dead-end",
        "Invariant I4: a topic is routed to a department where no role can answer it. Give a role of that department authority on the topic, or route to another department.";
    RuleMatchesNoTopic => "rule-matches-no-topic",
        "A rule's topic pattern matches no topic, so the rule never applies. Correct the pattern or remove the rule.";
    RuleNeverFires => "rule-never-fires",
        "No circumstance matches the rule's `when` conditions, so it never fires. Fix its conditions or remove the rule.";
    ShadowedRule => "shadowed-rule",
        "An earlier rule matches every circumstance this rule (or one of its effects) matches, with the same effect, so it never changes a decision. Remove the redundant rule or effect, or narrow the earlier rule.";
    SpaceTooLarge => "space-too-large",
        "A topic has more circumstances (classes of fact values its rules tell apart) than `max_circumstances`, so `check`, `diff` or the decision table leave it out. Test its facts in fewer rules, with fewer distinct values, or raise `EngineBuilder::max_circumstances`.";
    SubstantiveChange => "substantive-change",
        "A message got a new substantive version: customers pinned to the old one get the change notice. Make sure the notice and the new text explain what changed.";
    TableTooLarge => "table-too-large",
        "The decision table would have more cells than `max_table_size`, so the topic named is left out. Use fewer rules or fact values on that topic, or raise `EngineBuilder::max_table_size`.";
    TextChangedWithoutVersion => "text-changed-without-version",
        "A message text changed without a new version, so customers pinned to it would silently hear something else (R0.3). Add a new version instead of editing the old one.";
    TooDeep => "too-deep",
        "The policy nests lists or tables deeper than `max_nesting_depth` (a policy needs about 8 levels). Flatten the document, or raise `EngineBuilder::max_nesting_depth`.";
    TooLong => "too-long",
        "An id, a name or a text is longer than the engine's limit: generated outputs (the manual, the decision table, a diff, findings) repeat them, so that their size must stay bounded. Shorten it, or raise `EngineBuilder::max_id_bytes`, `max_name_bytes` or `max_text_bytes`.";
    TooManyErrors => "too-many-errors",
        "The policy has more errors than `max_errors`; the list stops there. Fix the errors shown first (one mistake often causes many), or raise `EngineBuilder::max_errors`.";
    TopicRemoved => "topic-removed",
        "A topic of the old policy is gone: its contacts now get the fallback topic. Make sure that is intended.";
    TopicWithoutExplanation => "topic-without-explanation",
        "A topic has no explaining system: the customer's first contact is not a system that explains (R0.4). Give it an `explains` system and message.";
    UnfoldableKeyword => "unfoldable-keyword",
        "A triage keyword has a character class with accents, which triage cannot match because it removes accents from the text. Write the class without accents.";
    UnknownDepartment => "unknown-department",
        "A reference names a department the policy does not define. Define it under `[departments]` or correct the id.";
    UnknownLocale => "unknown-locale",
        "A text is written in a locale the policy does not declare. Declare the locale or correct the key.";
    UnknownMessage => "unknown-message",
        "A reference names a message the policy does not define. Define it under `[messages]` or correct the id.";
    UnknownRank => "unknown-rank",
        "A reference names a rank the department does not declare. Declare the rank or correct the id.";
    UnknownRole => "unknown-role",
        "A reference names a role the policy does not define. Define it under `[roles]` or correct the id.";
    UnknownSystem => "unknown-system",
        "A reference names a system the policy does not define. Define it under `[systems]` or correct the id.";
    UnknownTopic => "unknown-topic",
        "A reference names a topic the policy does not define. Define it under `[topics]` or correct the id.";
    UnusedMessage => "unused-message",
        "A message is never delivered: no topic or rule names it. Use it in a topic or a rule's `answer`, or remove it.";
    UnusedRole => "unused-role",
        "A role never answers nor requests an authorization in any circumstance: it only redirects, routes or escalates. Give it authority on some topic, or remove it.";
    UnusedSystem => "unused-system",
        "A system explains or serves no topic. Name it in a topic's `explains` or `serves`, or remove it.";
    VersionHistoryChanged => "version-history-changed",
        "An old version of a message was edited: records that name that version would now show another text (R0.3). Restore the old version and add a new one at the end.";
    VersionsRemoved => "versions-removed",
        "Versions of a message were removed: records and pins that name them could no longer be shown. Keep every version and add a new one at the end.";
    WrongTier => "wrong-tier",
        "A topic's `explains` names a serving system, or its `serves` an explaining one. Name a system of the right tier.";
}

impl Code {
    /// The `unknown-…` code of a reference to a `what` (`system`, `topic`, `role`,
    /// `department`, `rank`, `message`, `locale`) that the policy does not define.
    pub(crate) fn unknown(what: &str) -> Code {
        match what {
            "system" => Code::UnknownSystem,
            "topic" => Code::UnknownTopic,
            "role" => Code::UnknownRole,
            "department" => Code::UnknownDepartment,
            "rank" => Code::UnknownRank,
            "locale" => Code::UnknownLocale,
            other => {
                debug_assert_eq!(other, "message", "no `unknown-` code for `{other}`");
                Code::UnknownMessage
            }
        }
    }

    /// The `…-matches-no-topic` code of a topic pattern of a `what` (`rule`, `grant`).
    pub(crate) fn matches_no_topic(what: &str) -> Code {
        match what {
            "rule" => Code::RuleMatchesNoTopic,
            other => {
                debug_assert_eq!(other, "grant", "no `-matches-no-topic` code for `{other}`");
                Code::GrantMatchesNoTopic
            }
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// A string that is no diagnostic code this version knows, from `str::parse::<Code>`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown diagnostic code `{}`", crate::bounded::cut(.0))]
pub struct UnknownCode(String);

impl FromStr for Code {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Code, UnknownCode> {
        Code::ALL
            .binary_search_by(|c| c.as_str().cmp(s))
            .ok()
            .and_then(|i| Code::ALL.get(i).copied())
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Code {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Code> for str {
    fn eq(&self, other: &Code) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Code> for String {
    fn eq(&self, other: &Code) -> bool {
        self.as_str() == other.as_str()
    }
}

impl From<Code> for String {
    fn from(code: Code) -> String {
        code.as_str().to_owned()
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `from_str` searches `Code::ALL` by binary search: it must stay sorted by string,
    /// without repetition, and every code must have its help.
    #[test]
    fn codes_are_sorted_unique_and_have_help() {
        for pair in Code::ALL.windows(2) {
            if let [a, b] = pair {
                assert!(a.as_str() < b.as_str(), "`{a}` must come before `{b}`");
                assert!(a < b, "declare `{a:?}` before `{b:?}`");
            }
        }
        for code in Code::ALL {
            assert!(!code.help().is_empty(), "{code}");
        }
    }

    /// A code is written as its string, and read back, as text and in JSON.
    #[test]
    fn code_round_trips_as_its_string() {
        for &code in Code::ALL {
            assert_eq!(code.to_string(), code.as_str());
            assert_eq!(code.as_str().parse::<Code>(), Ok(code));
            assert_eq!(code, code.as_str());
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{code}\""));
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), code);
        }
        assert!("no-such-code".parse::<Code>().is_err());
        assert!(serde_json::from_str::<Code>("\"no-such-code\"").is_err());
    }

    /// The codes built from a kind of reference are the ones the table has.
    #[test]
    fn unknown_and_matches_no_topic_name_their_codes() {
        for what in [
            "system",
            "topic",
            "role",
            "department",
            "rank",
            "locale",
            "message",
        ] {
            assert_eq!(Code::unknown(what), format!("unknown-{what}").as_str());
        }
        for what in ["rule", "grant"] {
            assert_eq!(
                Code::matches_no_topic(what),
                format!("{what}-matches-no-topic").as_str()
            );
        }
    }
}
