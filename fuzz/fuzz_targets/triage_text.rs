#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| unified_message_fuzz::triage_text(data));
