//! What each diagnostic code means: the help text of a SARIF rule.

/// What findings with `code` mean and what generally fixes them, in one or two sentences;
/// `None` for a code this version does not know.
///
/// Each finding's own message and hint say what is wrong in that instance; this text is the
/// code's general help, which SARIF viewers show once per rule.
///
/// # Examples
///
/// ```
/// use unified_message::report::code_help;
///
/// assert!(code_help("out-of-lane").unwrap().contains("department"));
/// assert_eq!(code_help("no-such-code"), None);
/// ```
pub fn code_help(code: &str) -> Option<&'static str> {
    CODES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .and_then(|i| CODES.get(i))
        .map(|(_, help)| *help)
}

/// Every known code and its help, sorted by code (`code_help` searches it).
const CODES: &[(&str, &str)] = &[
    (
        "ambiguous-message",
        "A message is written two ways at once (`text` and `versions`, or `channels` beside versions), so which text is delivered is unclear. Keep one form.",
    ),
    (
        "answers-differ",
        "Invariant I2: two responders of the same tier answer the same circumstance with different messages. Give every responder of the same tier the same message (a rule's fixed `answer` applies to everyone).",
    ),
    (
        "approver-without-authorized",
        "A topic names an approver but its authority is not `authorized`, so the approver is never asked. Remove `approver`, or set `authority = \"authorized\"`.",
    ),
    (
        "authorize-dead-end",
        "Invariant I4: authorization is requested from a rank the department has no role of, or above. Add a role of that rank, or name another approver rank.",
    ),
    (
        "bad-duration",
        "A duration (such as the review window) does not parse. Write a number and a unit: `24h`, `2d`, `90m`, `1h30m`.",
    ),
    (
        "bad-keyword",
        "A triage keyword is not written as triage reads text (lowercase, without accents). Rewrite it in lowercase without accents.",
    ),
    (
        "bad-locale",
        "A locale is empty or not a language tag. Use a tag such as `es` or `en-GB`.",
    ),
    (
        "bad-number",
        "A number of the policy (a severity, an urgency weight) is negative, not finite or not a number. Write a plain non-negative number.",
    ),
    (
        "bad-pattern",
        "A topic pattern is not a topic id, a prefix (`email.*`) or `*`. Write one of those forms.",
    ),
    (
        "bad-placeholder",
        "A message text has a malformed placeholder (an unclosed or empty `{…}`). Close it, or write a literal brace as `{{` or `}}`.",
    ),
    (
        "bad-regex",
        "A pattern (forbidden phrase, triage keyword, fact pattern) is not a valid regular expression. Fix its syntax.",
    ),
    (
        "bad-threshold",
        "The triage threshold is not a number between 0 and 1. Use a confidence such as the default.",
    ),
    (
        "bad-topic-id",
        "A topic id has characters a topic id may not have. Use lowercase words separated by dots, such as `email.setup`.",
    ),
    (
        "channel-dependent",
        "Invariant I1: the same circumstance gets a different decision on another channel though no rule names a channel (R0.1). The channel may change how a message is rendered, never what is said.",
    ),
    (
        "channel-specific-rule",
        "A rule names a channel: the one allowed exception to channel independence (I1), listed so reviewers see it. No fix needed if the difference is intended.",
    ),
    (
        "conflicting-rules",
        "Two rules can match the same circumstance with different values for the same effect, so the first silently wins. Make their `when` conditions exclusive, or give both the same value.",
    ),
    (
        "department-unanswerable",
        "Nobody can answer some topics of a department, in any circumstance. Add a role to the department, or grant a role `own` authority on these topics.",
    ),
    (
        "diff-too-large",
        "A diff would list more decision changes than `max_table_size` allows, so only the first combination of fact values of each change is listed. Compare smaller policies, or raise `EngineBuilder::max_table_size`.",
    ),
    (
        "duplicate-id",
        "Two entries of the same section share an id, so references to it are ambiguous. Rename one of them.",
    ),
    (
        "duplicate-key",
        "A key is written twice in the same table, so one value would silently win. Remove one of them.",
    ),
    (
        "duplicate-locale",
        "A locale is declared twice. Remove the repetition.",
    ),
    (
        "empty-condition",
        "A rule condition lists no value, so the rule can never match. List the values that match.",
    ),
    (
        "empty-fact",
        "An urgency weight names no fact. Name the fact the host supplies, such as `plan`.",
    ),
    (
        "empty-id",
        "An entry has an empty id. Give it a short, stable id.",
    ),
    (
        "empty-message",
        "A message has no text. Write its text, or remove the message.",
    ),
    (
        "empty-policy",
        "The policy file is empty or holds only comments. Write the policy's sections (`[policy]`, `[departments]`, `[topics]`, …) or check that the right file was given.",
    ),
    (
        "empty-rank-order",
        "A department's rank order is empty, so nobody can be escalated to. List its ranks from lowest to highest.",
    ),
    (
        "empty-rule",
        "A rule changes nothing. Give it an effect (`answer`, `skip_ladder`, `authority` or `route`) or remove it.",
    ),
    (
        "empty-text",
        "Invariant I4: a text is empty, so customers in its locale would be told nothing. Write the text.",
    ),
    (
        "escalation-dead-end",
        "Invariant I4: a customer who asks for a superior is handed to a rank no role of the department holds, so the rank chain does not reach the review (R3.3). Add a role of that rank.",
    ),
    (
        "fallback-without-explanation",
        "The fallback topic has no explanation, so a contact about an unknown topic gets nothing to read. Give the fallback topic an `explains` message.",
    ),
    (
        "forbidden-phrase",
        "A message text contains a phrase the policy's `[style]` forbids (R2.3). Reword the text.",
    ),
    (
        "grant-matches-no-topic",
        "An authority grant's topic pattern matches no topic, so it grants nothing. Correct the pattern or remove the grant.",
    ),
    (
        "invalid-utf8",
        "The policy file is not valid UTF-8 text. Save it as UTF-8.",
    ),
    (
        "keyword-matches-empty",
        "A triage keyword matches the empty text, so it would match every message. Make it require at least one character.",
    ),
    (
        "keywords-too-big",
        "The triage keywords of a locale together exceed the size limit. Simplify them (prefer literal words to large classes) or raise the engine's regex size limit.",
    ),
    (
        "ladder-order",
        "Invariant I3: a person answers a topic before the customer has been through its systems (R0.5). Give the fixed answer to every responder, or skip the ladder explicitly with `skip_ladder = true`.",
    ),
    (
        "missing-answer",
        "A topic has no answer for a person to give once the systems are exhausted. Add `answer = \"<message id>\"`.",
    ),
    (
        "missing-change",
        "A later version of a message does not say what kind of change it is. Add `change = \"editorial\"` (same instructions, better words) or `change = \"substantive\"` (the procedure changed).",
    ),
    (
        "missing-change-notice",
        "A message has a substantive version but there is no `[handover].changed` text, so customers who got the old version are told the previous text with no framing. Add it, one text per locale.",
    ),
    (
        "missing-department",
        "A role has no department. Add `department = \"<department>\"`.",
    ),
    (
        "missing-fallback",
        "The policy names no fallback topic for contacts whose topic is unknown. Add `fallback` to `[policy]`.",
    ),
    (
        "missing-handover",
        "A handover text (redirect, route, authorize, escalate, review, changed) is missing. Add it under `[handover]`, one text per locale.",
    ),
    (
        "missing-locale",
        "A text is missing in some locale the policy declares. Add one text per locale of `[policy].locales`.",
    ),
    (
        "missing-name",
        "The policy has no name. Add `name` to `[policy]`.",
    ),
    (
        "missing-owner",
        "A topic has no owning department. Add `owner = \"<department>\"`.",
    ),
    (
        "missing-rank",
        "A role has no rank. Add `rank = \"<rank>\"`.",
    ),
    (
        "missing-ranks",
        "A department declares no ranks. List its ranks from lowest to highest.",
    ),
    (
        "missing-revision",
        "The policy has no revision label, so decisions could not be traced to it. Add `revision` to `[policy]`.",
    ),
    (
        "missing-rule-id",
        "A rule has no id, so decisions cannot name it. Give it a short, stable `id`.",
    ),
    (
        "missing-tier",
        "A system has no tier. Add `tier = \"explains\"` or `tier = \"serves\"`.",
    ),
    (
        "no-locales",
        "The policy declares no locale. List its locales, the default first.",
    ),
    (
        "out-of-lane",
        "Invariant I5: a role answers, with `own` authority, a topic another department owns, with no explicit grant (R0.2, R0.8). Restrict the rule to the owning department, or grant the role authority on the topic explicitly.",
    ),
    (
        "parse-error",
        "The policy file does not parse (syntax, an unknown field, a value of the wrong type). Fix it at the line and column given.",
    ),
    (
        "person-is-not-a-system",
        "A system has tier `person`: a system is anything that is not a person (R0.4). Use `explains` or `serves`.",
    ),
    (
        "placeholder-not-available",
        "A text uses a placeholder that has no value where the text is delivered. Use a placeholder available there, or remove it.",
    ),
    (
        "policy-too-large",
        "A table the engine derives from the policy (roles × topics, topics × rules) exceeds the engine's size limit. Split the policy or raise `EngineBuilder::max_table_size`.",
    ),
    (
        "rank-gap",
        "A department has no role at some rank between its lowest and its highest, so escalation skips it on the way to the review (R3.3). Add a role at that rank or remove the rank.",
    ),
    (
        "regex-too-big",
        "A pattern compiles to more than the regex size limit. Simplify it, or raise `EngineBuilder::regex_size_limit`.",
    ),
    (
        "reserved-id",
        "An id uses a reserved prefix (such as `handover.`, which names the handover texts). Rename it.",
    ),
    (
        "reserved-placeholder",
        "A declared placeholder is one the engine fills itself. Remove it from `placeholders`.",
    ),
    (
        "revision-unchanged",
        "The policy changed but kept its `revision` label, so records of the two revisions could not be told apart. Give the new policy a new revision.",
    ),
    (
        "route-dead-end",
        "Invariant I4: a topic is routed to a department where no role can answer it. Give a role of that department authority on the topic, or route to another department.",
    ),
    (
        "rule-matches-no-topic",
        "A rule's topic pattern matches no topic, so the rule never applies. Correct the pattern or remove the rule.",
    ),
    (
        "rule-never-fires",
        "No circumstance matches the rule's `when` conditions, so it never fires. Fix its conditions or remove the rule.",
    ),
    (
        "shadowed-rule",
        "An earlier rule matches every circumstance this rule (or one of its effects) matches, with the same effect, so it never changes a decision. Remove the redundant rule or effect, or narrow the earlier rule.",
    ),
    (
        "space-too-large",
        "A topic has more circumstances (classes of fact values its rules tell apart) than `max_circumstances`, so `check`, `diff` or the decision table leave it out. Test its facts in fewer rules, with fewer distinct values, or raise `EngineBuilder::max_circumstances`.",
    ),
    (
        "substantive-change",
        "A message got a new substantive version: customers pinned to the old one get the change notice. Make sure the notice and the new text explain what changed.",
    ),
    (
        "table-too-large",
        "The decision table would have more cells than `max_table_size`, so the topic named is left out. Use fewer rules or fact values on that topic, or raise `EngineBuilder::max_table_size`.",
    ),
    (
        "text-changed-without-version",
        "A message text changed without a new version, so customers pinned to it would silently hear something else (R0.3). Add a new version instead of editing the old one.",
    ),
    (
        "too-deep",
        "The policy nests lists or tables deeper than `max_nesting_depth` (a policy needs about 8 levels). Flatten the document, or raise `EngineBuilder::max_nesting_depth`.",
    ),
    (
        "too-many-errors",
        "The policy has more errors than `max_errors`; the list stops there. Fix the errors shown first (one mistake often causes many), or raise `EngineBuilder::max_errors`.",
    ),
    (
        "topic-removed",
        "A topic of the old policy is gone: its contacts now get the fallback topic. Make sure that is intended.",
    ),
    (
        "topic-without-explanation",
        "A topic has no explaining system: the customer's first contact is not a system that explains (R0.4). Give it an `explains` system and message.",
    ),
    (
        "unfoldable-keyword",
        "A triage keyword has a character class with accents, which triage cannot match because it removes accents from the text. Write the class without accents.",
    ),
    (
        "unknown-department",
        "A reference names a department the policy does not define. Define it under `[departments]` or correct the id.",
    ),
    (
        "unknown-locale",
        "A text is written in a locale the policy does not declare. Declare the locale or correct the key.",
    ),
    (
        "unknown-message",
        "A reference names a message the policy does not define. Define it under `[messages]` or correct the id.",
    ),
    (
        "unknown-rank",
        "A reference names a rank the department does not declare. Declare the rank or correct the id.",
    ),
    (
        "unknown-role",
        "A reference names a role the policy does not define. Define it under `[roles]` or correct the id.",
    ),
    (
        "unknown-system",
        "A reference names a system the policy does not define. Define it under `[systems]` or correct the id.",
    ),
    (
        "unknown-topic",
        "A reference names a topic the policy does not define. Define it under `[topics]` or correct the id.",
    ),
    (
        "unused-message",
        "A message is never delivered: no topic or rule names it. Use it in a topic or a rule's `answer`, or remove it.",
    ),
    (
        "unused-role",
        "A role never answers nor requests an authorization in any circumstance: it only redirects, routes or escalates. Give it authority on some topic, or remove it.",
    ),
    (
        "unused-system",
        "A system explains or serves no topic. Name it in a topic's `explains` or `serves`, or remove it.",
    ),
    (
        "version-history-changed",
        "An old version of a message was edited: records that name that version would now show another text (R0.3). Restore the old version and add a new one at the end.",
    ),
    (
        "versions-removed",
        "Versions of a message were removed: records and pins that name them could no longer be shown. Keep every version and add a new one at the end.",
    ),
    (
        "wrong-tier",
        "A topic's `explains` names a serving system, or its `serves` an explaining one. Name a system of the right tier.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// `code_help` searches `CODES` by binary search: it must stay sorted, without repetition.
    #[test]
    fn codes_are_sorted_and_unique() {
        for pair in CODES.windows(2) {
            if let [(a, _), (b, _)] = pair {
                assert!(a < b, "`{a}` must come before `{b}` in CODES");
            }
        }
        for (code, _) in CODES {
            assert!(code_help(code).is_some_and(|h| !h.is_empty()), "{code}");
        }
    }
}
