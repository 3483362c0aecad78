//! SeaORM entities: one module per table. They stay inside the store; callers see domain types.
#![allow(unreachable_pub, reason = "the SeaORM derives generate public items; the module itself is private")]

/// Declares the active enum of an enum-like column over the strings its domain enum is stored as,
/// with conversions both ways (exhaustive, so a new domain variant fails to compile here until
/// it is given its stored string). The stored strings are those of earlier versions: no data
/// migration is needed.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident <=> $domain:ty { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name {
            $(#[sea_orm(string_value = $text)] $variant,)+
        }

        impl From<$name> for $domain {
            fn from(stored: $name) -> Self {
                match stored {
                    $($name::$variant => Self::$variant,)+
                }
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value {
                    $(<$domain>::$variant => Self::$variant,)+
                }
            }
        }
    };
}

pub(crate) mod api_key;
pub(crate) mod applied_tax;
pub(crate) mod billable_metric;
pub(crate) mod billable_metric_filter;
pub(crate) mod change_event;
pub(crate) mod charge;
pub(crate) mod customer;
pub(crate) mod customer_metadata;
pub(crate) mod entitlement;
pub(crate) mod entitlement_removal;
pub(crate) mod entitlement_value;
pub(crate) mod feature;
pub(crate) mod minimum_commitment;
pub(crate) mod organization;
pub(crate) mod plan;
pub(crate) mod privilege;
pub(crate) mod subscription;
pub(crate) mod tax;
pub(crate) mod usage_threshold;
