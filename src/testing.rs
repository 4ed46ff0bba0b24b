//! Proptest strategies and consistency assertions for hosts' own tests (being written).
