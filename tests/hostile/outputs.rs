//! Issue 25, points 2 to 4: what `check`, `diff` and the generated outputs write grows with
//! the policy, never with a product of its parts; the work is counted (circumstances decided,
//! entries, bytes written), never timed.

use unified_message::{Engine, diff};

use crate::policies::no_rules;

/// The control policy with one rule on `email.setup` for `channels` custom channels,
/// answering `answer`.
fn many_channels(channels: usize, answer: &str, revision: &str) -> Engine {
    let list: Vec<String> = (0..channels).map(|c| format!("\"c{c:05}\"")).collect();
    let rule = format!(
        "[[rules]]\nid = \"wide\"\nwhen = {{ topic = \"email.setup\", channel = [{}] }}\nthen = {{ answer = \"{answer}\" }}\n",
        list.join(", ")
    );
    Engine::builder()
        .max_circumstances(u64::MAX)
        .from_toml_str(&format!(
            "{}\n{rule}",
            no_rules().replace("revision = \"1\"", &format!("revision = \"{revision}\""))
        ))
        .unwrap()
}

/// Issue 25 point 4: the diff of a rule that names 20,000 channels decides each circumstance
/// once, lists each channel once, and writes a text linear in the channels; a rule's channels
/// are held sorted (membership by binary search), where a linear search in each decision made
/// the diff channels × channels.
#[test]
fn issue25_4_diff_of_a_rule_on_tens_of_thousands_of_channels_is_linear() {
    let mut per_channel = Vec::new();
    for channels in [2_000, 20_000] {
        let (old, new) = (
            many_channels(channels, "general-answer", "1"),
            many_channels(channels, "email-answer", "2"),
        );
        let d = diff(&old, &new);
        assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
        let listed: usize = d.decisions.iter().map(|c| c.channels.len()).sum();
        assert!(listed >= channels, "{listed} channels listed");
        let text = d.to_string();
        per_channel.push((d.circumstances / channels as u64, text.len() / channels));
    }
    // Ten times the channels: the same work and text per channel.
    assert_eq!(per_channel[0].0, per_channel[1].0, "{per_channel:?}");
    assert!(per_channel[1].1 <= per_channel[0].1 + 1, "{per_channel:?}");
}
