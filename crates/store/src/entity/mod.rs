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

/// Declares what every entity here has in common: no SeaORM relations (the store reads related
/// rows by their ids) and the default `ActiveModel` behaviour.
macro_rules! plain_entity {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
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
pub(crate) mod installation_secret;
pub(crate) mod minimum_commitment;
pub(crate) mod organization;
pub(crate) mod plan;
pub(crate) mod privilege;
pub(crate) mod subscription;
pub(crate) mod tax;
pub(crate) mod usage_threshold;
pub(crate) mod webhook_delivery;
pub(crate) mod webhook_endpoint;
pub(crate) mod webhook_hmac_key;

#[cfg(test)]
pub(crate) mod tests {
    use std::fmt::Debug;

    use sea_orm::{ActiveEnum, ColumnTrait, ColumnType, sea_query::StringLen};

    /// Checks an active enum over a string column: its variants store exactly `stored` (in
    /// declaration order) and read back, the column keeps the migration's type (`.string()`), and
    /// the conversions to and from the domain's `domain_variants` are inverse and agree with the
    /// domain's own spelling (`domain_as_str`), which is what rows written before held.
    pub(crate) fn assert_stored_enum<Stored, Domain>(
        column: impl ColumnTrait,
        stored: &[&str],
        domain_variants: &[Domain],
        domain_as_str: fn(Domain) -> &'static str,
    ) where
        Stored: ActiveEnum<Value = String> + Copy + PartialEq + Debug + From<Domain>,
        Domain: Copy + PartialEq + Debug + From<Stored>,
    {
        assert_eq!(column.def().get_column_type(), &ColumnType::String(StringLen::None));
        let values: Vec<String> = Stored::iter().map(|variant| variant.to_value()).collect();
        assert_eq!(values, stored);
        for variant in Stored::iter() {
            let value = variant.to_value();
            assert_eq!(Stored::try_from_value(&value).ok(), Some(variant));
            let domain = Domain::from(variant);
            assert_eq!(domain_as_str(domain), value);
            assert_eq!(Stored::from(domain), variant);
        }
        assert_eq!(domain_variants.len(), stored.len(), "every domain variant is listed once");
        for &domain in domain_variants {
            assert_eq!(Domain::from(Stored::from(domain)), domain);
        }
        assert!(Stored::try_from_value(&"unknown".to_owned()).is_err());
    }
}
