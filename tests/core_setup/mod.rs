//! One core per member of a formation, for the tests that drive cores by hand.

use booth::core::{Core, Member, Setup, TicketParams};

/// A core for every member of `members`, each with the one ticket `p`.
pub fn cores(members: &[Member], p: TicketParams, ms_mode: bool, seed: u64) -> Vec<Core> {
    (0..members.len())
        .map(|local| {
            let setup = Setup {
                members: members.to_vec(),
                local,
                ms_mode,
                tickets: vec![p],
            };
            Core::new(setup, seed).expect("a valid formation")
        })
        .collect()
}
