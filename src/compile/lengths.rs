//! `lengths`: every id, name and text of the document within its limit (issue 25 point 3),
//! before any section reads them. Generated outputs repeat them — a department's name in
//! every topic of the manual, a rule's id in every row of the decision table — so that an
//! output is linear in the policy only while each is bounded. A longer one is a `too-long`
//! error at its place, and compiling stops there (the sections would only repeat it).

use crate::diagnostic::{Code, DocPath};
use crate::document::{IdMap, LocaleText, OneOrMany};

use super::compiler::Compiler;

/// What a string is, for its limit and the error's words.
#[derive(Clone, Copy)]
enum Kind {
    Id,
    Name,
    Text,
}

impl Compiler<'_> {
    /// Checks every id, name and text of the document against the limits; `false` when one is
    /// too long (each is reported).
    pub(super) fn lengths(&mut self) -> bool {
        let doc = self.doc;
        let before = self.diags.len();
        let root = DocPath::root();
        let hp = root.key("policy");
        let h = &doc.policy;
        self.one(Kind::Name, h.name.as_deref(), || hp.key("name"));
        self.one(Kind::Name, h.revision.as_deref(), || hp.key("revision"));
        self.one(Kind::Id, h.fallback.as_deref(), || hp.key("fallback"));
        self.each(Kind::Id, &h.locales, &hp.key("locales"));
        self.each(Kind::Id, &h.placeholders, &hp.key("placeholders"));

        let dp = root.key("departments");
        for (id, d) in doc.departments.iter() {
            self.key(id, &dp);
            self.one(Kind::Name, d.name.as_deref(), || dp.key(id).key("name"));
        }
        let sp = root.key("systems");
        for (id, s) in doc.systems.iter() {
            self.key(id, &sp);
            self.one(Kind::Name, s.name.as_deref(), || sp.key(id).key("name"));
            self.map(Kind::Name, &s.where_, &sp.key(id).key("where"));
        }
        let tp = root.key("topics");
        for (id, t) in doc.topics.iter() {
            self.key(id, &tp);
            let p = tp.key(id);
            self.one(Kind::Id, t.owner.as_deref(), || p.key("owner"));
            self.one(Kind::Id, t.answer.as_deref(), || p.key("answer"));
            self.one(Kind::Id, t.approver.as_deref(), || p.key("approver"));
            for (tier, r) in [("explains", &t.explains), ("serves", &t.serves)] {
                if let Some(r) = r {
                    self.one(Kind::Id, Some(&r.system), || p.key(tier).key("system"));
                    self.one(Kind::Id, Some(&r.message), || p.key(tier).key("message"));
                }
            }
            let kp = p.key("keywords");
            for (locale, list) in t.keywords.iter() {
                self.key(locale, &kp);
                self.each(Kind::Text, list, &kp.key(locale));
            }
        }
        let mp = root.key("messages");
        for (id, m) in doc.messages.iter() {
            self.key(id, &mp);
            let p = mp.key(id);
            if let Some(text) = &m.text {
                self.texts(text, &p.key("text"));
            }
            self.channel_texts(&m.channels, &p.key("channels"));
            for (i, v) in m.versions.iter().enumerate() {
                let vp = p.key("versions").index(i);
                self.texts(&v.text, &vp.key("text"));
                self.channel_texts(&v.channels, &vp.key("channels"));
            }
        }
        let rp = root.key("roles");
        for (id, r) in doc.roles.iter() {
            self.key(id, &rp);
            let p = rp.key(id);
            self.one(Kind::Id, r.department.as_deref(), || p.key("department"));
            self.one(Kind::Id, r.rank.as_deref(), || p.key("rank"));
            for (pattern, _) in r.authority.iter() {
                self.key(pattern, &p.key("authority"));
            }
        }
        if let Some(ranks) = &doc.ranks {
            self.each(Kind::Id, &ranks.order, &root.key("ranks").key("order"));
        }
        if let Some(h) = &doc.handover {
            let p = root.key("handover");
            for (key, text) in [
                ("explains", &h.explains),
                ("serves", &h.serves),
                ("route", &h.route),
                ("authorize", &h.authorize),
                ("escalate", &h.escalate),
                ("review", &h.review),
                ("changed", &h.changed),
            ] {
                if let Some(text) = text {
                    self.texts(text, &p.key(key));
                }
            }
        }
        let fp = root.key("style").key("forbidden");
        for (i, f) in doc.style.forbidden.iter().enumerate() {
            self.one(Kind::Text, Some(&f.pattern), || fp.index(i).key("pattern"));
            self.one(Kind::Text, Some(&f.why), || fp.index(i).key("why"));
        }
        let rules = root.key("rules");
        for (i, r) in doc.rules.iter().enumerate() {
            let p = rules.index(i);
            self.one(Kind::Id, r.id.as_deref(), || p.key("id"));
            self.one(Kind::Text, r.why.as_deref(), || p.key("why"));
            let wp = p.key("when");
            let w = &r.when;
            for (key, list) in [
                ("topic", &w.topic),
                ("channel", &w.channel),
                ("department", &w.department),
                ("role", &w.role),
                ("rank", &w.rank),
            ] {
                if let Some(list) = list {
                    self.many(list, &wp.key(key));
                }
            }
            let fp = wp.key("facts");
            for (key, values) in w.facts.iter() {
                self.key(key, &fp);
                self.many(values, &fp.key(key));
            }
            let tp = p.key("then");
            self.one(Kind::Id, r.then.answer.as_deref(), || tp.key("answer"));
            self.one(Kind::Id, r.then.route.as_deref(), || tp.key("route"));
        }
        if let Some(u) = &doc.urgency {
            let up = root.key("urgency");
            for (i, f) in u.facts.iter().enumerate() {
                self.one(Kind::Id, Some(&f.fact), || {
                    up.key("facts").index(i).key("fact")
                });
                self.one(Kind::Id, Some(&f.equals), || {
                    up.key("facts").index(i).key("equals")
                });
            }
            for (i, c) in u.counts.iter().enumerate() {
                self.one(Kind::Id, Some(&c.fact), || {
                    up.key("counts").index(i).key("fact")
                });
            }
        }
        self.diags.len() == before
    }

    /// A table's key: an id, at `table.<key>`.
    fn key(&mut self, id: &str, table: &DocPath) {
        self.one(Kind::Id, Some(id), || table.key(id));
    }

    /// Each of a list, at `path[i]`.
    fn each(&mut self, kind: Kind, list: &[String], path: &DocPath) {
        for (i, s) in list.iter().enumerate() {
            self.one(kind, Some(s), || path.index(i));
        }
    }

    /// A value or a list of ids, at `path` (one) or `path[i]`.
    fn many(&mut self, list: &OneOrMany<String>, path: &DocPath) {
        if let [one] = list.0.as_slice() {
            self.one(Kind::Id, Some(one), || path.clone());
        } else {
            self.each(Kind::Id, &list.0, path);
        }
    }

    /// A table of `{ KEY = "…" }`: each key an id, each value of `kind`.
    fn map(&mut self, kind: Kind, map: &IdMap<String>, path: &DocPath) {
        for (key, value) in map.iter() {
            self.key(key, path);
            self.one(kind, Some(value), || path.key(key));
        }
    }

    /// A text per locale.
    fn texts(&mut self, text: &LocaleText, path: &DocPath) {
        self.map(Kind::Text, text, path);
    }

    /// `channels.CHANNEL = { LOCALE = "…" }`.
    fn channel_texts(&mut self, channels: &IdMap<LocaleText>, path: &DocPath) {
        for (channel, text) in channels.iter() {
            self.key(channel, path);
            self.texts(text, &path.key(channel));
        }
    }

    /// One string of `kind`, at the path `at` makes (only when it is too long).
    fn one(&mut self, kind: Kind, value: Option<&str>, at: impl FnOnce() -> DocPath) {
        let Some(value) = value else {
            return;
        };
        let (limit, what, option) = match kind {
            Kind::Id => (self.lengths.max_id_bytes, "an id", "max_id_bytes"),
            Kind::Name => (self.lengths.max_name_bytes, "a name", "max_name_bytes"),
            Kind::Text => (self.lengths.max_text_bytes, "a text", "max_text_bytes"),
        };
        if value.len() <= limit {
            return;
        }
        self.error(
            Code::TooLong,
            at(),
            format!(
                "{what} of {} bytes is longer than the limit of {limit} bytes ({})",
                value.len(),
                format_args!("`{}`", crate::bounded::cut(value))
            ),
            &format!("shorten it, or raise the engine's `{option}`"),
        );
    }
}
