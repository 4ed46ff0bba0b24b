//! The seed's own scenarios, decided on the embedded example policy of a hosting company.
//!
//! Run with `cargo run --example quickstart`.

use unified_message::{Channel, Contact, Decision, Engine, Outcome, Progress, Responder};

fn show(title: &str, who: &Responder, decision: &Decision<'_>) {
    println!("— {title}");
    print!("  {who} → {}", decision.outcome());
    if let Some(system) = decision.system() {
        if decision.outcome() == Outcome::Redirect {
            print!(" to `{}`", system.id);
        }
    }
    if let Some(department) = decision.department() {
        print!(" [{department}]");
    }
    if let Some(rank) = decision.rank() {
        print!(" (rank {rank})");
    }
    println!(
        "  message `{}` v{}{}",
        decision.message_id(),
        decision.version(),
        if decision.flags().system_gap {
            "  ⚑ system_gap"
        } else {
            ""
        }
    );
    println!("  « {} »", decision.text());
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    println!(
        "policy `{}` revision {} — {} topics, locales {:?}\n",
        engine.name(),
        engine.revision(),
        engine.topics().len(),
        engine.locales().collect::<Vec<_>>()
    );

    // R0.8: sales must not explain domain delegation.
    let delegation = Contact::new("cust-1", Channel::Phone)
        .with_topic("domain.delegation")
        .with_locale("es");
    let sales = Responder::staff("sales-agent");
    show(
        "a sales agent is asked how to delegate a domain (first contact)",
        &sales,
        &engine.decide(&delegation, &sales),
    );
    show(
        "… and once the customer has been through the systems",
        &sales,
        &engine.decide(&delegation.clone().with_progress(Progress::Served), &sales),
    );

    // R0.8: "I only want to change a phone number" — not on paper, through the project forms.
    let phone = Contact::new("cust-2", Channel::Phone)
        .with_topic("projects.phone-change")
        .with_locale("es")
        .with_progress(Progress::Explained);
    let projects = Responder::staff("projects-agent");
    show(
        "a customer calls projects to change a phone number on their site",
        &projects,
        &engine.decide(&phone, &projects),
    );

    // R0.6 / R0.9: the self-diagnosis and the panel failed; billing answers and the gap is flagged.
    let invoice = Contact::new("cust-3", Channel::Email)
        .with_topic("billing.invoice")
        .with_locale("en")
        .with_progress(Progress::Served);
    let billing = Responder::staff("billing-agent");
    show(
        "an invoice problem reaches billing after the self-diagnosis failed",
        &billing,
        &engine.decide(&invoice, &billing),
    );

    // R4.3: a refund needs authorization.
    let refund = Contact::new("cust-4", Channel::Phone)
        .with_topic("billing.refund")
        .with_locale("en")
        .with_progress(Progress::Served);
    show(
        "a refund that needs authorization",
        &billing,
        &engine.decide(&refund, &billing),
    );

    // R3.3: there is always a superior, and at the top a review.
    let angry = Contact::new("cust-5", Channel::Phone)
        .with_topic("email.setup")
        .with_locale("es")
        .with_progress(Progress::Served)
        .asking_for_superior();
    for role in ["support-agent", "support-supervisor", "support-manager"] {
        let who = Responder::staff(role);
        show(
            "the customer asks for a superior",
            &who,
            &engine.decide(&angry, &who),
        );
    }

    // R0.1: the same circumstance by phone, chat and e-mail gets the same message.
    println!("\n— the same circumstance on three channels (R0.1)");
    let base = Contact::new("cust-6", Channel::Phone)
        .with_topic("hosting.backup")
        .with_locale("en")
        .with_progress(Progress::Explained);
    let agent = Responder::staff("support-agent");
    let mut ids = Vec::new();
    for channel in [Channel::Phone, Channel::Chat, Channel::Email] {
        let decision = engine.decide(&base.clone().with_channel(channel.clone()), &agent);
        println!(
            "  {channel:>6}: {} `{}` v{} → {}",
            decision.outcome(),
            decision.message_id(),
            decision.version(),
            decision.system().map_or("", |s| s.location)
        );
        ids.push((decision.outcome(), decision.message_id()));
    }
    ids.dedup();
    println!(
        "  {}",
        if ids.len() == 1 {
            "one message on every channel"
        } else {
            "CHANNELS DISAGREE"
        }
    );

    // Why: the steps behind a decision.
    println!("\n— why? (explain)");
    println!(
        "{}",
        engine.explain(&delegation.with_progress(Progress::Served), &sales)
    );
    Ok(())
}
