//! UpdateFeature's update masks over gRPC: the request's mask (exactly its paths written, a listed
//! unset field null, the implied mask without one, unknown paths refused) and each privilege's own
//! mask (name, value type and config of a privilege, old or new).

use entitlements::prost_types::FieldMask;
use entitlements::v1::feature_service_client::FeatureServiceClient;
use entitlements::v1::{
    CreateFeatureRequest, Feature, FeatureCreateInput, FeatureUpdateInput, Privilege, PrivilegeConfig,
    PrivilegeInput, PrivilegeValueType, UpdateFeatureRequest,
};
use tonic::Status;
use tonic::transport::Channel;

use crate::support::conformance::assert_violations;
use crate::support::{authorized, backend_tests, field_mask};

type Client = FeatureServiceClient<Channel>;

fn config(options: &[&str]) -> Option<PrivilegeConfig> {
    Some(PrivilegeConfig { select_options: options.iter().map(|&option| option.to_owned()).collect() })
}

fn privilege(code: &str, value_type: PrivilegeValueType, name: Option<&str>) -> PrivilegeInput {
    PrivilegeInput {
        code: code.to_owned(),
        name: name.map(str::to_owned),
        value_type: Some(value_type.into()),
        config: (value_type == PrivilegeValueType::Select).then(|| config(&["a"])).flatten(),
        update_mask: None,
    }
}

/// A privilege named by `code` carrying `fill`'s fields, with `paths` as its own mask.
fn privilege_change(code: &str, paths: &[&str], fill: impl FnOnce(&mut PrivilegeInput)) -> PrivilegeInput {
    let mut input =
        PrivilegeInput { code: code.to_owned(), update_mask: field_mask(paths), ..PrivilegeInput::default() };
    fill(&mut input);
    input
}

async fn create_seats(client: &mut Client) -> Feature {
    let feature = FeatureCreateInput {
        code: "seats".to_owned(),
        name: Some("Seats".to_owned()),
        description: Some("People".to_owned()),
        privileges: vec![
            privilege("max", PrivilegeValueType::Integer, Some("Max")),
            privilege("tier", PrivilegeValueType::Select, Some("Tier")),
        ],
    };
    let response = client.create_feature(authorized(CreateFeatureRequest { feature: Some(feature) })).await;
    response.expect("create a feature").into_inner().feature.expect("the created feature")
}

async fn update(
    client: &mut Client,
    feature: FeatureUpdateInput,
    update_mask: Option<FieldMask>,
) -> Result<Feature, Status> {
    let request = UpdateFeatureRequest { code: "seats".to_owned(), feature: Some(feature), update_mask };
    Ok(client.update_feature(authorized(request)).await?.into_inner().feature.expect("a feature"))
}

fn stored(code: &str, name: Option<&str>, value_type: PrivilegeValueType, options: &[&str]) -> Privilege {
    Privilege {
        code: code.to_owned(),
        name: name.map(str::to_owned),
        value_type: value_type.into(),
        config: config(options),
    }
}

backend_tests! {
    async fn update_feature_masks_write_exactly_their_paths(app) {
        let mut client = FeatureServiceClient::new(app.grpc_channel().await);
        let created = create_seats(&mut client).await;

        // A field set but not listed is kept; a listed one unset is null.
        let described = update(
            &mut client,
            FeatureUpdateInput { name: Some("Ignored".to_owned()), ..FeatureUpdateInput::default() },
            field_mask(&["description"]),
        )
        .await
        .expect("clear the description");
        assert_eq!(described, Feature { description: None, ..created.clone() });
        // Without a mask, the fields that are set.
        let renamed = update(
            &mut client,
            FeatureUpdateInput { name: Some("Places".to_owned()), ..FeatureUpdateInput::default() },
            None,
        )
        .await
        .expect("rename");
        assert_eq!(renamed, Feature { name: Some("Places".to_owned()), ..described.clone() });
        // Privileges not in the mask are not touched.
        let untouched = update(
            &mut client,
            FeatureUpdateInput {
                privileges: vec![privilege("new", PrivilegeValueType::Boolean, None)],
                ..FeatureUpdateInput::default()
            },
            field_mask(&["name"]),
        )
        .await
        .expect("clear the name only");
        assert_eq!(untouched, Feature { name: None, ..renamed.clone() });

        // Each privilege's mask: the name listed and unset is null; a name set but not listed
        // is kept; listed options are appended; an unlisted value type of a new privilege is
        // STRING.
        let privileges = vec![
            privilege_change("max", &["name"], |_| {}),
            privilege_change("tier", &["config"], |input| {
                input.name = Some("Ignored".to_owned());
                input.config = config(&["b"]);
            }),
            privilege_change("note", &[], |input| input.name = Some("Note".to_owned())),
        ];
        let changed = update(&mut client, FeatureUpdateInput { privileges, ..FeatureUpdateInput::default() }, None)
            .await
            .expect("change the privileges");
        assert_eq!(
            changed.privileges,
            [
                stored("max", None, PrivilegeValueType::Integer, &[]),
                stored("tier", Some("Tier"), PrivilegeValueType::Select, &["a", "b"]),
                stored("note", Some("Note"), PrivilegeValueType::String, &[]),
            ]
        );

        // A new privilege's value type listed and unset is a missing one.
        let null_type = vec![privilege_change("flag", &["value_type"], |_| {})];
        assert_violations(
            update(&mut client, FeatureUpdateInput { privileges: null_type, ..FeatureUpdateInput::default() }, None).await,
            &[("feature.privileges[0].value_type", "value_is_mandatory"), ("feature.privileges[0].value_type", "value_is_invalid")],
        );
        // Paths a feature or a privilege does not have are refused.
        assert_violations(
            update(&mut client, FeatureUpdateInput::default(), field_mask(&["name", "title"])).await,
            &[("update_mask", "unknown_field")],
        );
        let unknown_item = vec![privilege_change("max", &[], |_| {}), privilege_change("tier", &["code"], |_| {})];
        assert_violations(
            update(&mut client, FeatureUpdateInput { privileges: unknown_item, ..FeatureUpdateInput::default() }, None)
                .await,
            &[("feature.privileges[1].update_mask", "unknown_field")],
        );
        let response = client
            .get_feature(authorized(entitlements::v1::GetFeatureRequest { code: "seats".to_owned() }))
            .await
            .expect("get the feature");
        assert_eq!(response.into_inner().feature, Some(changed));
    }
}
