//! The bodies of the webhooks: Lago's envelope around the object an event carries, with the key
//! lists Lago's webhook serializers write (they differ from the REST answers), serialized byte
//! for byte as Rails' `to_json`, since receivers verify signatures over those exact bytes.

pub(crate) mod payload_json;
pub(crate) mod rails_json;
