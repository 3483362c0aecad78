//! `entitlements.v1.FeatureService` over gRPC, through the generated client: every RPC, the
//! update-mask and pagination semantics, and the exact error details of the error table
//! (ErrorInfo reason and domain, BadRequest field violations in Lago's order).

use std::time::{Duration, SystemTime};

use entitlements::prost_types::FieldMask;
use entitlements::v1::feature_service_client::FeatureServiceClient;
use entitlements::v1::{
    CreateFeatureRequest, DeleteFeaturePrivilegeRequest, DeleteFeatureRequest, Feature, FeatureCreateInput,
    FeatureUpdateInput, GetFeatureRequest, ListFeaturesRequest, ListFeaturesResponse, PaginationMeta,
    Privilege, PrivilegeConfig, PrivilegeInput, PrivilegeValueType, UpdateFeatureRequest,
};
use tonic::Status;
use tonic::transport::Channel;

use crate::support::conformance::{
    assert_bad_request, assert_not_found, assert_unauthenticated, assert_violations,
};
use crate::support::{API_KEY, OTHER_API_KEY, authorized, authorized_as, backend_tests, field_mask as mask};

type Client = FeatureServiceClient<Channel>;

/// A privilege to create: `value_type` `None` leaves the field absent on the wire.
fn privilege_input(code: &str, value_type: Option<i32>) -> PrivilegeInput {
    PrivilegeInput { code: code.to_owned(), name: None, value_type, config: None, update_mask: None }
}

fn typed(code: &str, value_type: PrivilegeValueType) -> PrivilegeInput {
    privilege_input(code, Some(value_type.into()))
}

fn select(code: &str, options: &[&str]) -> PrivilegeInput {
    PrivilegeInput { config: Some(config(options)), ..typed(code, PrivilegeValueType::Select) }
}

fn named(input: PrivilegeInput, name: &str) -> PrivilegeInput {
    PrivilegeInput { name: Some(name.to_owned()), ..input }
}

fn config(options: &[&str]) -> PrivilegeConfig {
    PrivilegeConfig { select_options: options.iter().map(|&option| option.to_owned()).collect() }
}

fn set_to(value: &str) -> Option<String> {
    Some(value.to_owned())
}

/// The privilege with its name in its mask and unset: null.
fn null_name(input: PrivilegeInput) -> PrivilegeInput {
    PrivilegeInput { name: None, update_mask: mask(&["name"]), ..input }
}

/// A privilege as the server answers it (`config` always present, empty but for select).
fn stored(code: &str, name: Option<&str>, value_type: PrivilegeValueType, options: &[&str]) -> Privilege {
    Privilege {
        code: code.to_owned(),
        name: name.map(str::to_owned),
        value_type: value_type.into(),
        config: Some(config(options)),
    }
}

fn feature_input(code: &str) -> FeatureCreateInput {
    FeatureCreateInput { code: code.to_owned(), ..FeatureCreateInput::default() }
}

fn create_request(feature: FeatureCreateInput) -> CreateFeatureRequest {
    CreateFeatureRequest { feature: Some(feature) }
}

async fn create(client: &mut Client, feature: FeatureCreateInput) -> Feature {
    create_as(client, API_KEY, feature).await
}

async fn create_as(client: &mut Client, key: &str, feature: FeatureCreateInput) -> Feature {
    let code = feature.code.clone();
    client
        .create_feature(authorized_as(key, create_request(feature)))
        .await
        .unwrap_or_else(|status| panic!("create feature {code:?}: {status:?}"))
        .into_inner()
        .feature
        .expect("the created feature")
}

async fn get(client: &mut Client, code: &str) -> Result<Feature, Status> {
    let response = client.get_feature(authorized(GetFeatureRequest { code: code.to_owned() })).await?;
    Ok(response.into_inner().feature.expect("a feature in the response"))
}

async fn list(client: &mut Client, request: ListFeaturesRequest) -> ListFeaturesResponse {
    client.list_features(authorized(request)).await.expect("list features").into_inner()
}

/// UpdateFeature with the implied mask (the fields that are set).
async fn update(client: &mut Client, code: &str, feature: FeatureUpdateInput) -> Result<Feature, Status> {
    update_masked(client, code, feature, None).await
}

async fn update_masked(
    client: &mut Client,
    code: &str,
    feature: FeatureUpdateInput,
    update_mask: Option<FieldMask>,
) -> Result<Feature, Status> {
    let request = UpdateFeatureRequest { code: code.to_owned(), feature: Some(feature), update_mask };
    let response = client.update_feature(authorized(request)).await?;
    Ok(response.into_inner().feature.expect("a feature in the response"))
}

fn page(page: u32, per_page: u32) -> ListFeaturesRequest {
    ListFeaturesRequest { page, per_page, search_term: String::new() }
}

fn search(term: &str) -> ListFeaturesRequest {
    ListFeaturesRequest { search_term: term.to_owned(), ..ListFeaturesRequest::default() }
}

fn codes(response: &ListFeaturesResponse) -> Vec<&str> {
    response.features.iter().map(|feature| feature.code.as_str()).collect()
}

fn meta(
    current_page: u32,
    next_page: Option<u32>,
    prev_page: Option<u32>,
    total_pages: u32,
    total_count: u32,
) -> PaginationMeta {
    PaginationMeta { current_page, next_page, prev_page, total_pages, total_count }
}

/// A gRPC request with this raw `authorization` metadata, or none.
fn credentialed<T>(authorization: Option<&str>, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(value) = authorization {
        request.metadata_mut().insert("authorization", value.parse().expect("ascii metadata"));
    }
    request
}

backend_tests! {
    async fn create_feature_returns_every_field_and_each_value_type(app) {
        let mut client = app.feature_client().await;
        let before = SystemTime::now();
        let created = create(
            &mut client,
            FeatureCreateInput {
                code: "  seats ".to_owned(),
                name: Some("Seats".to_owned()),
                description: Some("How many people may sign in".to_owned()),
                privileges: vec![
                    named(typed("max", PrivilegeValueType::Integer), "Maximum"),
                    typed("sso", PrivilegeValueType::Boolean),
                    typed("note", PrivilegeValueType::String),
                    named(select("tier", &["basic", "pro", "enterprise"]), "Tier"),
                    privilege_input(" plain ", None),
                ],
            },
        )
        .await;
        let after = SystemTime::now();

        let created_at = created.created_at.expect("created_at is set");
        let created_at_time = SystemTime::try_from(created_at).expect("a valid timestamp");
        assert!(
            created_at_time >= before - Duration::from_secs(1)
                && created_at_time <= after + Duration::from_secs(1),
            "created_at {created_at_time:?} is not between {before:?} and {after:?}"
        );
        let expected = Feature {
            code: "seats".to_owned(),
            name: Some("Seats".to_owned()),
            description: Some("How many people may sign in".to_owned()),
            privileges: vec![
                stored("max", Some("Maximum"), PrivilegeValueType::Integer, &[]),
                stored("sso", None, PrivilegeValueType::Boolean, &[]),
                stored("note", None, PrivilegeValueType::String, &[]),
                stored("tier", Some("Tier"), PrivilegeValueType::Select, &["basic", "pro", "enterprise"]),
                // An absent value_type is STRING; the privilege code is stripped too.
                stored("plain", None, PrivilegeValueType::String, &[]),
            ],
            created_at: Some(created_at),
        };
        assert_eq!(created, expected);

        // GetFeature answers the stored feature, created_at included.
        assert_eq!(get(&mut client, "seats").await.expect("get the feature"), expected);
    }

    async fn create_feature_without_optional_fields_leaves_them_unset(app) {
        let mut client = app.feature_client().await;
        let created = create(
            &mut client,
            FeatureCreateInput {
                privileges: vec![
                    privilege_input("absent_name", None),
                    null_name(privilege_input("null_name", None)),
                ],
                ..feature_input("bare")
            },
        )
        .await;
        assert_eq!(created.code, "bare");
        assert_eq!(created.name, None);
        assert_eq!(created.description, None);
        assert!(created.created_at.is_some());
        assert_eq!(
            created.privileges,
            vec![
                stored("absent_name", None, PrivilegeValueType::String, &[]),
                stored("null_name", None, PrivilegeValueType::String, &[]),
            ]
        );
        let fetched = get(&mut client, "bare").await.expect("get the feature");
        assert_eq!(fetched, created);
    }

    async fn create_feature_rejects_a_code_already_taken(app) {
        let mut client = app.feature_client().await;
        create(&mut client, feature_input("seats")).await;
        let duplicate = client.create_feature(authorized(create_request(feature_input("seats")))).await;
        assert_violations(duplicate, &[("feature.code", "value_already_exist")]);
        // The same code after stripping is the same code.
        let padded = client.create_feature(authorized(create_request(feature_input(" seats ")))).await;
        assert_violations(padded, &[("feature.code", "value_already_exist")]);
        // Codes are per organization: the other organization may use it.
        let other = create_as(&mut client, OTHER_API_KEY, feature_input("seats")).await;
        assert_eq!(other.code, "seats");
        assert_eq!(
            list(&mut client, ListFeaturesRequest::default()).await.meta,
            Some(meta(1, None, None, 1, 1))
        );
    }

    async fn create_feature_reports_field_violations_in_lago_order(app) {
        let mut client = app.feature_client().await;
        let mut attempt = async |feature: FeatureCreateInput| {
            client.create_feature(authorized(create_request(feature))).await
        };

        let unspecified = attempt(FeatureCreateInput {
            privileges: vec![privilege_input("p", Some(PrivilegeValueType::Unspecified.into()))],
            ..feature_input("f")
        })
        .await;
        assert_violations(
            unspecified,
            &[("feature.privileges[0].value_type", "value_is_mandatory"), ("feature.privileges[0].value_type", "value_is_invalid")],
        );

        let unknown = attempt(FeatureCreateInput {
            privileges: vec![privilege_input("p", Some(42))],
            ..feature_input("f")
        })
        .await;
        assert_violations(unknown, &[("feature.privileges[0].value_type", "value_is_invalid")]);

        let select_without_options = attempt(FeatureCreateInput {
            privileges: vec![typed("p", PrivilegeValueType::Select)],
            ..feature_input("f")
        })
        .await;
        assert_violations(select_without_options, &[("feature.privileges[0].config", "invalid_format")]);

        let select_with_empty_options =
            attempt(FeatureCreateInput { privileges: vec![select("p", &[])], ..feature_input("f") }).await;
        assert_violations(select_with_empty_options, &[("feature.privileges[0].config", "invalid_format")]);

        let integer_with_config = attempt(FeatureCreateInput {
            privileges: vec![PrivilegeInput {
                config: Some(config(&["a"])),
                ..typed("p", PrivilegeValueType::Integer)
            }],
            ..feature_input("f")
        })
        .await;
        assert_violations(integer_with_config, &[("feature.privileges[0].config", "invalid_format")]);

        let blank_code = attempt(feature_input("   ")).await;
        assert_violations(blank_code, &[("feature.code", "value_is_mandatory")]);

        let too_long = attempt(FeatureCreateInput {
            name: Some("n".repeat(256)),
            description: Some("d".repeat(601)),
            ..feature_input(&"c".repeat(256))
        })
        .await;
        assert_violations(
            too_long,
            &[
                ("feature.code", "value_is_too_long"),
                ("feature.name", "value_is_too_long"),
                ("feature.description", "value_is_too_long"),
            ],
        );

        // Duplicate privilege codes are reported first, alone.
        let duplicated = attempt(FeatureCreateInput {
            privileges: vec![privilege_input("a", None), privilege_input(" a", None)],
            ..feature_input("")
        })
        .await;
        assert_violations(duplicated, &[("feature.privileges[1].code", "value_is_duplicated")]);

        // Only the first invalid privilege is reported.
        let two_invalid = attempt(FeatureCreateInput {
            privileges: vec![
                privilege_input("ok", None),
                privilege_input("p", Some(42)),
                privilege_input(" ", None),
            ],
            ..feature_input("f")
        })
        .await;
        assert_violations(two_invalid, &[("feature.privileges[1].value_type", "value_is_invalid")]);

        let missing_feature = client.create_feature(authorized(CreateFeatureRequest { feature: None })).await;
        assert_bad_request(missing_feature);

        // Nothing was created by the rejected requests.
        let listed = list(&mut client, ListFeaturesRequest::default()).await;
        assert!(listed.features.is_empty(), "{listed:?}");
        assert_eq!(listed.meta, Some(meta(0, None, None, 0, 0)));
    }

    async fn get_feature_answers_not_found_for_unknown_and_foreign_codes(app) {
        let mut client = app.feature_client().await;
        create(&mut client, feature_input("seats")).await;
        let foreign = create_as(&mut client, OTHER_API_KEY, feature_input("theirs")).await;

        assert_not_found(get(&mut client, "unknown").await, "feature_not_found");
        // Codes are matched exactly.
        assert_not_found(get(&mut client, "SEATS").await, "feature_not_found");
        // Another organization's feature is indistinguishable from a missing one.
        assert_not_found(get(&mut client, "theirs").await, "feature_not_found");

        let theirs = client
            .get_feature(authorized_as(OTHER_API_KEY, GetFeatureRequest { code: "theirs".to_owned() }))
            .await
            .expect("the owner can read it")
            .into_inner()
            .feature;
        assert_eq!(theirs, Some(foreign));
        let mine_for_them = client
            .get_feature(authorized_as(OTHER_API_KEY, GetFeatureRequest { code: "seats".to_owned() }))
            .await;
        assert_not_found(mine_for_them, "feature_not_found");
    }

    async fn list_features_paginates_newest_first(app) {
        let mut client = app.feature_client().await;
        for code in ["first", "second", "third"] {
            create(&mut client, feature_input(code)).await;
        }
        create_as(&mut client, OTHER_API_KEY, feature_input("foreign")).await;

        let all = list(&mut client, ListFeaturesRequest::default()).await;
        assert_eq!(codes(&all), ["third", "second", "first"]);
        assert_eq!(all.meta, Some(meta(1, None, None, 1, 3)));
        // Listed features carry every field.
        assert_eq!(all.features[2], get(&mut client, "first").await.expect("get first"));

        let first_page = list(&mut client, page(1, 2)).await;
        assert_eq!(codes(&first_page), ["third", "second"]);
        assert_eq!(first_page.meta, Some(meta(1, Some(2), None, 2, 3)));

        let second_page = list(&mut client, page(2, 2)).await;
        assert_eq!(codes(&second_page), ["first"]);
        assert_eq!(second_page.meta, Some(meta(2, None, Some(1), 2, 3)));

        let past_the_end = list(&mut client, page(3, 2)).await;
        assert!(past_the_end.features.is_empty());
        assert_eq!(past_the_end.meta, Some(meta(3, None, Some(2), 2, 3)));

        // Page 0 is page 1.
        let page_zero = list(&mut client, page(0, 2)).await;
        assert_eq!(codes(&page_zero), ["third", "second"]);
        assert_eq!(page_zero.meta, Some(meta(1, Some(2), None, 2, 3)));

        // The other organization sees only its own feature; an empty list has an all-zero meta.
        let theirs = client
            .list_features(authorized_as(OTHER_API_KEY, ListFeaturesRequest::default()))
            .await
            .expect("list as the other organization")
            .into_inner();
        assert_eq!(codes(&theirs), ["foreign"]);
        let empty = list(&mut client, search("no feature has this")).await;
        assert!(empty.features.is_empty());
        assert_eq!(empty.meta, Some(meta(0, None, None, 0, 0)));
    }

    async fn list_features_page_size_defaults_to_100_and_is_at_most_1000(app) {
        let mut client = app.feature_client().await;
        for index in 0..27 {
            create(&mut client, feature_input(&format!("feature_{index:02}"))).await;
        }
        let default_size = list(&mut client, ListFeaturesRequest::default()).await;
        assert_eq!(default_size.features.len(), 27);
        assert_eq!(default_size.meta, Some(meta(1, None, None, 1, 27)));

        let second = list(&mut client, page(2, 25)).await;
        assert_eq!(codes(&second), ["feature_01", "feature_00"]);
        assert_eq!(second.meta, Some(meta(2, None, Some(1), 2, 27)));

        let largest = list(&mut client, page(1, 1000)).await;
        assert_eq!(largest.meta, Some(meta(1, None, None, 1, 27)));
        let too_large = client.list_features(authorized(page(1, 1001))).await;
        assert_violations(too_large, &[("per_page", "value_is_out_of_range")]);
    }

    async fn list_features_searches_code_name_and_description(app) {
        let mut client = app.feature_client().await;
        create(&mut client, FeatureCreateInput { name: Some("Seats".to_owned()), ..feature_input("seats") })
            .await;
        create(
            &mut client,
            FeatureCreateInput {
                name: Some("Single Sign-On".to_owned()),
                description: Some("SAML login".to_owned()),
                ..feature_input("sso")
            },
        )
        .await;
        create(
            &mut client,
            FeatureCreateInput {
                description: Some("Usage DASHBOARD".to_owned()),
                ..feature_input("analytics")
            },
        )
        .await;
        create(&mut client, feature_input("discount_100%")).await;

        let cases: [(&str, &[&str]); 9] = [
            ("SEAT", &["seats"]),
            ("  sign-on ", &["sso"]),
            ("saml", &["sso"]),
            ("dashboard", &["analytics"]),
            ("%", &["discount_100%"]),
            ("_", &["discount_100%"]),
            ("a", &["analytics", "sso", "seats"]),
            ("   ", &["discount_100%", "analytics", "sso", "seats"]),
            ("nothing", &[]),
        ];
        for (term, expected) in cases {
            let response = list(&mut client, search(term)).await;
            assert_eq!(codes(&response), expected, "search {term:?}");
            let count = u32::try_from(expected.len()).expect("small");
            let expected_meta =
                if count == 0 { meta(0, None, None, 0, 0) } else { meta(1, None, None, 1, count) };
            assert_eq!(response.meta, Some(expected_meta), "meta of search {term:?}");
        }

        let paged = list(
            &mut client,
            ListFeaturesRequest { page: 2, per_page: 1, search_term: "A".to_owned() },
        )
        .await;
        assert_eq!(codes(&paged), ["sso"]);
        assert_eq!(paged.meta, Some(meta(2, Some(3), Some(1), 3, 3)));
    }

    async fn update_feature_without_a_mask_writes_the_fields_set(app) {
        let mut client = app.feature_client().await;
        let created = create(
            &mut client,
            FeatureCreateInput {
                name: Some("Old name".to_owned()),
                description: Some("Old description".to_owned()),
                privileges: vec![typed("max", PrivilegeValueType::Integer)],
                ..feature_input("seats")
            },
        )
        .await;

        // Unset fields keep the stored values.
        let kept = update(&mut client, "seats", FeatureUpdateInput::default()).await.expect("empty update");
        assert_eq!(kept, created);

        // A set field is written; the other field is kept.
        let renamed = update(
            &mut client,
            "seats",
            FeatureUpdateInput { name: set_to("New name"), ..FeatureUpdateInput::default() },
        )
        .await
        .expect("rename");
        assert_eq!(renamed, Feature { name: Some("New name".to_owned()), ..created.clone() });

        // In the mask and unset: null.
        let cleared = update_masked(&mut client, "seats", FeatureUpdateInput::default(), mask(&["description"]))
            .await
            .expect("clear the description");
        assert_eq!(
            cleared,
            Feature { name: Some("New name".to_owned()), description: None, ..created.clone() }
        );

        // An empty string is a value, not null.
        let both = update_masked(
            &mut client,
            "seats",
            FeatureUpdateInput { description: set_to(""), ..FeatureUpdateInput::default() },
            mask(&["name", "description"]),
        )
        .await
        .expect("set both");
        let expected = Feature { name: None, description: Some(String::new()), ..created.clone() };
        assert_eq!(both, expected);
        assert_eq!(get(&mut client, "seats").await.expect("get after the updates"), expected);

        let too_long = update(
            &mut client,
            "seats",
            FeatureUpdateInput {
                name: set_to(&"n".repeat(256)),
                description: set_to(&"d".repeat(601)),
                ..FeatureUpdateInput::default()
            },
        )
        .await;
        assert_violations(too_long, &[("feature.name", "value_is_too_long"), ("feature.description", "value_is_too_long")]);
        assert_eq!(get(&mut client, "seats").await.expect("unchanged"), expected);
    }

    async fn update_feature_changes_privileges_partially(app) {
        let mut client = app.feature_client().await;
        let created = create(
            &mut client,
            FeatureCreateInput {
                privileges: vec![
                    named(typed("max", PrivilegeValueType::Integer), "Max"),
                    select("tier", &["a", "b"]),
                    named(typed("note", PrivilegeValueType::String), "Note"),
                    named(typed("untouched", PrivilegeValueType::Boolean), "Untouched"),
                ],
                ..feature_input("seats")
            },
        )
        .await;

        let updated = update(
            &mut client,
            "seats",
            FeatureUpdateInput {
                privileges: vec![
                    // Name absent: kept. The value type never changes.
                    typed("max", PrivilegeValueType::String),
                    // Select options are appended (set union, stored order first).
                    PrivilegeInput {
                        config: Some(config(&["b", "c", "a", "d"])),
                        ..privilege_input("tier", None)
                    },
                    // Name in the privilege's mask and unset: null.
                    null_name(privilege_input("note", None)),
                    // An unknown code creates a privilege.
                    named(typed("new", PrivilegeValueType::Boolean), "New"),
                ],
                ..FeatureUpdateInput::default()
            },
        )
        .await
        .expect("update the privileges");
        let expected = Feature {
            privileges: vec![
                stored("max", Some("Max"), PrivilegeValueType::Integer, &[]),
                stored("tier", None, PrivilegeValueType::Select, &["a", "b", "c", "d"]),
                stored("note", None, PrivilegeValueType::String, &[]),
                stored("untouched", Some("Untouched"), PrivilegeValueType::Boolean, &[]),
                stored("new", Some("New"), PrivilegeValueType::Boolean, &[]),
            ],
            ..created.clone()
        };
        assert_eq!(updated, expected);

        let renamed = update(
            &mut client,
            "seats",
            FeatureUpdateInput {
                privileges: vec![named(privilege_input("max", None), "Maximum")],
                ..FeatureUpdateInput::default()
            },
        )
        .await
        .expect("rename a privilege");
        assert_eq!(renamed.privileges[0], stored("max", Some("Maximum"), PrivilegeValueType::Integer, &[]));
        assert_eq!(renamed.privileges[1..], expected.privileges[1..]);
        assert_eq!(get(&mut client, "seats").await.expect("get after the update"), renamed);

        // Invalid privilege changes are rejected, and nothing changes.
        let config_on_integer = update(
            &mut client,
            "seats",
            FeatureUpdateInput {
                privileges: vec![PrivilegeInput {
                    config: Some(config(&["x"])),
                    ..privilege_input("max", None)
                }],
                ..FeatureUpdateInput::default()
            },
        )
        .await;
        assert_violations(config_on_integer, &[("feature.privileges[0].config", "invalid_format")]);
        let unspecified_type = update(
            &mut client,
            "seats",
            FeatureUpdateInput {
                privileges: vec![privilege_input("another", Some(PrivilegeValueType::Unspecified.into()))],
                ..FeatureUpdateInput::default()
            },
        )
        .await;
        assert_violations(
            unspecified_type,
            &[("feature.privileges[0].value_type", "value_is_mandatory"), ("feature.privileges[0].value_type", "value_is_invalid")],
        );
        let duplicated = update(
            &mut client,
            "seats",
            FeatureUpdateInput {
                name: set_to("ignored"),
                privileges: vec![privilege_input("max", None), privilege_input("max ", None)],
                ..FeatureUpdateInput::default()
            },
        )
        .await;
        assert_violations(duplicated, &[("feature.privileges[1].code", "value_is_duplicated")]);
        assert_eq!(get(&mut client, "seats").await.expect("unchanged"), renamed);
    }

    async fn update_feature_not_found_comes_before_a_missing_feature_message(app) {
        let mut client = app.feature_client().await;
        let created = create(&mut client, feature_input("seats")).await;
        create_as(&mut client, OTHER_API_KEY, feature_input("theirs")).await;

        let unknown = update(
            &mut client,
            "unknown",
            FeatureUpdateInput { name: set_to("x"), ..FeatureUpdateInput::default() },
        )
        .await;
        assert_not_found(unknown, "feature_not_found");

        let unknown_without_feature = client
            .update_feature(authorized(UpdateFeatureRequest { code: "unknown".to_owned(), feature: None, update_mask: None }))
            .await;
        assert_not_found(unknown_without_feature, "feature_not_found");

        let known_without_feature = client
            .update_feature(authorized(UpdateFeatureRequest { code: "seats".to_owned(), feature: None, update_mask: None }))
            .await;
        assert_bad_request(known_without_feature);

        let foreign = update(
            &mut client,
            "theirs",
            FeatureUpdateInput { name: set_to("mine"), ..FeatureUpdateInput::default() },
        )
        .await;
        assert_not_found(foreign, "feature_not_found");
        let theirs = client
            .get_feature(authorized_as(OTHER_API_KEY, GetFeatureRequest { code: "theirs".to_owned() }))
            .await
            .expect("the owner still reads it")
            .into_inner()
            .feature
            .expect("a feature");
        assert_eq!(theirs.name, None);
        assert_eq!(get(&mut client, "seats").await.expect("unchanged"), created);
    }

    async fn delete_feature_returns_it_as_it_was_and_frees_the_code(app) {
        let mut client = app.feature_client().await;
        let created = create(
            &mut client,
            FeatureCreateInput {
                name: Some("Seats".to_owned()),
                description: Some("People".to_owned()),
                privileges: vec![
                    named(typed("max", PrivilegeValueType::Integer), "Max"),
                    select("tier", &["a", "b"]),
                ],
                ..feature_input("seats")
            },
        )
        .await;
        create(&mut client, feature_input("kept")).await;
        create_as(&mut client, OTHER_API_KEY, feature_input("seats")).await;

        let deleted = client
            .delete_feature(authorized(DeleteFeatureRequest { code: "seats".to_owned() }))
            .await
            .expect("delete the feature")
            .into_inner()
            .feature;
        assert_eq!(deleted, Some(created.clone()));

        assert_not_found(get(&mut client, "seats").await, "feature_not_found");
        let listed = list(&mut client, ListFeaturesRequest::default()).await;
        assert_eq!(codes(&listed), ["kept"]);
        assert_eq!(listed.meta, Some(meta(1, None, None, 1, 1)));
        let again =
            client.delete_feature(authorized(DeleteFeatureRequest { code: "seats".to_owned() })).await;
        assert_not_found(again, "feature_not_found");
        let privilege_of_deleted = client
            .delete_feature_privilege(authorized(DeleteFeaturePrivilegeRequest {
                feature_code: "seats".to_owned(),
                privilege_code: "max".to_owned(),
            }))
            .await;
        assert_not_found(privilege_of_deleted, "feature_not_found");

        // The other organization's feature with the same code is untouched.
        let theirs = client
            .get_feature(authorized_as(OTHER_API_KEY, GetFeatureRequest { code: "seats".to_owned() }))
            .await
            .expect("the other organization's feature survives");
        assert_eq!(theirs.into_inner().feature.map(|feature| feature.code), Some("seats".to_owned()));

        // The code is free again, and the new feature starts without the old privileges.
        let recreated = create(&mut client, feature_input("seats")).await;
        assert!(recreated.privileges.is_empty(), "{recreated:?}");
        assert_ne!(recreated.created_at, created.created_at);
    }

    async fn delete_feature_of_another_organization_is_not_found(app) {
        let mut client = app.feature_client().await;
        let theirs = create_as(&mut client, OTHER_API_KEY, feature_input("theirs")).await;
        let unknown =
            client.delete_feature(authorized(DeleteFeatureRequest { code: "unknown".to_owned() })).await;
        assert_not_found(unknown, "feature_not_found");
        let foreign =
            client.delete_feature(authorized(DeleteFeatureRequest { code: "theirs".to_owned() })).await;
        assert_not_found(foreign, "feature_not_found");
        let still_there = client
            .get_feature(authorized_as(OTHER_API_KEY, GetFeatureRequest { code: "theirs".to_owned() }))
            .await
            .expect("not deleted")
            .into_inner()
            .feature;
        assert_eq!(still_there, Some(theirs));
    }

    async fn delete_feature_privilege_distinguishes_missing_feature_and_privilege(app) {
        let mut client = app.feature_client().await;
        let created = create(
            &mut client,
            FeatureCreateInput {
                privileges: vec![
                    named(typed("max", PrivilegeValueType::Integer), "Max"),
                    select("tier", &["a"]),
                    typed("note", PrivilegeValueType::String),
                ],
                ..feature_input("seats")
            },
        )
        .await;
        create_as(
            &mut client,
            OTHER_API_KEY,
            FeatureCreateInput { privileges: vec![privilege_input("p", None)], ..feature_input("theirs") },
        )
        .await;
        let mut delete = async |key: &str, feature_code: &str, privilege_code: &str| {
            let request = DeleteFeaturePrivilegeRequest {
                feature_code: feature_code.to_owned(),
                privilege_code: privilege_code.to_owned(),
            };
            client
                .delete_feature_privilege(authorized_as(key, request))
                .await
                .map(|response| response.into_inner().feature)
        };

        let without_tier = delete(API_KEY, "seats", "tier").await.expect("delete a privilege");
        let expected = Feature {
            privileges: vec![created.privileges[0].clone(), created.privileges[2].clone()],
            ..created.clone()
        };
        assert_eq!(without_tier, Some(expected.clone()));

        assert_not_found(delete(API_KEY, "seats", "tier").await, "privilege_not_found");
        assert_not_found(delete(API_KEY, "seats", "unknown").await, "privilege_not_found");
        // Privilege codes are matched exactly.
        assert_not_found(delete(API_KEY, "seats", "MAX").await, "privilege_not_found");
        // The feature is looked up first.
        assert_not_found(delete(API_KEY, "unknown", "max").await, "feature_not_found");
        assert_not_found(delete(API_KEY, "unknown", "unknown").await, "feature_not_found");
        assert_not_found(delete(API_KEY, "theirs", "p").await, "feature_not_found");

        assert_eq!(get(&mut client, "seats").await.expect("get after the deletion"), expected);
        let theirs = client
            .get_feature(authorized_as(OTHER_API_KEY, GetFeatureRequest { code: "theirs".to_owned() }))
            .await
            .expect("theirs is untouched")
            .into_inner()
            .feature
            .expect("a feature");
        assert_eq!(theirs.privileges, vec![stored("p", None, PrivilegeValueType::String, &[])]);
    }

    async fn every_rpc_requires_a_known_api_key(app) {
        let mut client = app.feature_client().await;
        create(&mut client, feature_input("seats")).await;
        let update_request = || UpdateFeatureRequest {
            code: "seats".to_owned(),
            feature: Some(FeatureUpdateInput { name: set_to("hacked"), ..FeatureUpdateInput::default() }),
            update_mask: None,
        };
        let delete_privilege_request = || DeleteFeaturePrivilegeRequest {
            feature_code: "seats".to_owned(),
            privilege_code: "p".to_owned(),
        };

        // No metadata; an unknown key; a known key without a scheme word; a scheme without a key.
        for credential in [None, Some("Bearer wrong-key"), Some(API_KEY), Some("Bearer")] {
            assert_unauthenticated(
                client
                    .create_feature(credentialed(credential, create_request(feature_input("intruder"))))
                    .await,
            );
            assert_unauthenticated(
                client
                    .get_feature(credentialed(credential, GetFeatureRequest { code: "seats".to_owned() }))
                    .await,
            );
            assert_unauthenticated(
                client.list_features(credentialed(credential, ListFeaturesRequest::default())).await,
            );
            assert_unauthenticated(client.update_feature(credentialed(credential, update_request())).await);
            assert_unauthenticated(
                client
                    .delete_feature(credentialed(
                        credential,
                        DeleteFeatureRequest { code: "seats".to_owned() },
                    ))
                    .await,
            );
            assert_unauthenticated(
                client.delete_feature_privilege(credentialed(credential, delete_privilege_request())).await,
            );
        }

        // Nothing changed.
        let listed = list(&mut client, ListFeaturesRequest::default()).await;
        assert_eq!(codes(&listed), ["seats"]);
        assert_eq!(listed.features[0].name, None);
    }
}
