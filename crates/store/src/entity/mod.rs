//! SeaORM entities: one module per table. They stay inside the store; callers see domain types.
#![allow(unreachable_pub, reason = "the SeaORM derives generate public items; the module itself is private")]

pub(crate) mod api_key;
pub(crate) mod change_event;
pub(crate) mod feature;
pub(crate) mod organization;
pub(crate) mod privilege;
