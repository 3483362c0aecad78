//! Charges over PlanService: typed properties per charge model, defaults, and Lago's error codes
//! as NOT_FOUND reasons and BadRequest field violations.

use super::*;

backend_tests! {
    async fn typed_properties_round_trip_for_each_charge_model(app) {
        let mut client = plan_client(&app).await;
        let metric = create_metric(&app, "api", AggregationType::SumAgg).await;
        let grouped = |model: Model| ChargeProperties {
            model: Some(model),
            pricing_group_keys: vec!["region".to_owned()],
            has_pricing_group_keys: true,
            presentation_group_keys: vec![
                PresentationGroupKey { value: "region".to_owned(), display_in_invoice: Some(true) },
                PresentationGroupKey { value: "country".to_owned(), display_in_invoice: None },
            ],
            has_presentation_group_keys: true,
        };
        let cases = [
            (
                ChargeModel::Standard,
                grouped(Model::Standard(StandardProperties { amount: text(" 1_000.50 ") })),
            ),
            (
                ChargeModel::Graduated,
                properties(Model::Graduated(GraduatedProperties {
                    graduated_ranges: vec![
                        price_range("0", Some("10"), "0.02", "50"),
                        price_range("10", Some("20.5"), "0.01", "0"),
                        price_range("21.5", None, "0", "100"),
                    ],
                })),
            ),
            (
                ChargeModel::Package,
                properties(Model::Package(PackageProperties {
                    amount: text("30"),
                    free_units: Some(1000),
                    package_size: Some(10000),
                })),
            ),
            (
                ChargeModel::Percentage,
                properties(Model::Percentage(PercentageProperties {
                    rate: text("0.15"),
                    fixed_amount: text("0.5"),
                    free_units_per_events: Some(5),
                    free_units_per_total_aggregation: text("500"),
                    per_transaction_max_amount: text("2"),
                    per_transaction_min_amount: text("1.75"),
                })),
            ),
            (
                ChargeModel::Percentage,
                properties(Model::Percentage(PercentageProperties {
                    rate: text("1"),
                    ..PercentageProperties::default()
                })),
            ),
            (
                ChargeModel::Volume,
                properties(Model::Volume(VolumeProperties {
                    volume_ranges: vec![
                        price_range("0", Some("1000"), "0.75", "0"),
                        price_range("1002", None, "0.50", "10"),
                    ],
                })),
            ),
            (
                ChargeModel::GraduatedPercentage,
                properties(Model::GraduatedPercentage(GraduatedPercentageProperties {
                    graduated_percentage_ranges: vec![
                        PercentageRange {
                            from_value: text("0"),
                            to_value: text("100"),
                            rate: text("1"),
                            fixed_amount: text("0.1"),
                            flat_amount: text("0"),
                        },
                        PercentageRange {
                            from_value: text("101"),
                            to_value: None,
                            rate: text("0.5"),
                            fixed_amount: text("0"),
                            flat_amount: text("5"),
                        },
                    ],
                })),
            ),
            (
                ChargeModel::Dynamic,
                ChargeProperties {
                    model: Some(Model::Dynamic(DynamicProperties {})),
                    has_pricing_group_keys: true,
                    ..ChargeProperties::default()
                },
            ),
        ];
        let inputs = cases
            .iter()
            .map(|(model, properties)| charge_input(&metric, *model, Some(properties.clone())))
            .collect();
        let created = create(&mut client, with_charges(inputs)).await.expect("create a plan");
        let codes = ["api", "api_2", "api_3", "api_4", "api_5", "api_6", "api_7", "api_8"];
        let expected: Vec<Charge> = cases
            .into_iter()
            .zip(&created.charges)
            .zip(codes)
            .map(|(((model, properties), answered), code)| {
                expected_charge(answered, &metric, code, model, properties)
            })
            .collect();
        assert_eq!(created.charges, expected);
        assert_eq!(get(&mut client, "startup").await.expect("get the plan").charges, expected);
    }

    async fn absent_properties_take_the_models_defaults(app) {
        let mut client = plan_client(&app).await;
        let metric = create_metric(&app, "api", AggregationType::SumAgg).await;
        let zero = || text("0");
        let open_range = || {
            vec![PriceRange {
                from_value: zero(),
                to_value: None,
                per_unit_amount: zero(),
                flat_amount: zero(),
            }]
        };
        let cases = [
            (ChargeModel::Standard, Model::Standard(StandardProperties { amount: zero() })),
            (
                ChargeModel::Graduated,
                Model::Graduated(GraduatedProperties { graduated_ranges: open_range() }),
            ),
            (
                ChargeModel::Package,
                Model::Package(PackageProperties {
                    amount: zero(),
                    free_units: Some(0),
                    package_size: Some(1),
                }),
            ),
            (
                ChargeModel::Percentage,
                Model::Percentage(PercentageProperties { rate: zero(), ..PercentageProperties::default() }),
            ),
            (ChargeModel::Volume, Model::Volume(VolumeProperties { volume_ranges: open_range() })),
            (
                ChargeModel::GraduatedPercentage,
                Model::GraduatedPercentage(GraduatedPercentageProperties {
                    graduated_percentage_ranges: vec![PercentageRange {
                        from_value: zero(),
                        to_value: None,
                        rate: zero(),
                        fixed_amount: zero(),
                        flat_amount: zero(),
                    }],
                }),
            ),
            (ChargeModel::Dynamic, Model::Dynamic(DynamicProperties {})),
        ];
        // No properties, and properties with nothing set, both mean the defaults.
        let inputs = cases
            .iter()
            .enumerate()
            .map(|(index, (model, _))| {
                let given = (index % 2 == 1).then(ChargeProperties::default);
                charge_input(&metric, *model, given)
            })
            .collect();
        let created = create(&mut client, with_charges(inputs)).await.expect("create a plan");
        let models: Vec<Option<ChargeProperties>> =
            created.charges.iter().map(|charge| charge.properties.clone()).collect();
        let defaults: Vec<Option<ChargeProperties>> =
            cases.into_iter().map(|(_, model)| Some(properties(model))).collect();
        assert_eq!(models, defaults);
    }

    async fn errors_carry_lagos_codes(app) {
        let mut client = plan_client(&app).await;
        let metric = create_metric(&app, "api", AggregationType::SumAgg).await;
        assert_bad_request(client.create_plan(authorized(CreatePlanRequest { plan: None })).await);
        assert_violations(
            create(&mut client, PlanInput::default()).await,
            &[
                ("plan.name", "value_is_mandatory"),
                ("plan.code", "value_is_mandatory"),
                ("plan.interval", "value_is_invalid"),
                ("plan.amount_cents", "value_is_mandatory"),
                ("plan.amount_currency", "value_is_invalid"),
                ("plan.pay_in_advance", "value_is_invalid"),
            ],
        );
        for interval in [PlanInterval::Unspecified as i32, 42] {
            assert_violations(
                create(&mut client, PlanInput { interval: Some(interval), ..startup() }).await,
                &[("plan.interval", "value_is_invalid")],
            );
        }
        let mut unknown_id = charge_input(&metric, ChargeModel::Standard, None);
        unknown_id.billable_metric_id = text("unknown");
        assert_not_found(
            create(&mut client, with_charges(vec![unknown_id])).await,
            "billable_metrics_not_found",
        );
        let mut no_metric = charge_input(&metric, ChargeModel::Standard, None);
        no_metric.billable_metric_id = None;
        assert_not_found(
            create(&mut client, with_charges(vec![no_metric])).await,
            "billable_metric_not_found",
        );
        let mut taxed = charge_input(&metric, ChargeModel::Standard, None);
        taxed.tax_codes = vec!["unknown".to_owned()];
        assert_not_found(create(&mut client, with_charges(vec![taxed])).await, "tax_not_found");
        let invalid_amount = properties(Model::Standard(StandardProperties { amount: text("-1") }));
        assert_violations(
            create(
                &mut client,
                with_charges(vec![charge_input(&metric, ChargeModel::Standard, Some(invalid_amount))]),
            )
            .await,
            &[("plan.charges[0].properties", "invalid_amount")],
        );
        let package = properties(Model::Package(PackageProperties {
            amount: text("x"),
            free_units: None,
            package_size: Some(0),
        }));
        assert_violations(
            create(
                &mut client,
                with_charges(vec![charge_input(&metric, ChargeModel::Package, Some(package))]),
            )
            .await,
            &[
                ("plan.charges[0].properties", "invalid_amount"),
                ("plan.charges[0].properties", "invalid_free_units"),
                ("plan.charges[0].properties", "invalid_package_size"),
            ],
        );
        // Properties of another model are sliced away, then fail the charge's model.
        let other_model = properties(Model::Percentage(PercentageProperties {
            rate: text("1"),
            ..PercentageProperties::default()
        }));
        assert_violations(
            create(
                &mut client,
                with_charges(vec![charge_input(&metric, ChargeModel::Standard, Some(other_model))]),
            )
            .await,
            &[("plan.charges[0].properties", "invalid_amount")],
        );
        let mut unknown_model = charge_input(&metric, ChargeModel::Standard, None);
        unknown_model.charge_model = Some(99);
        assert_violations(
            create(&mut client, with_charges(vec![unknown_model])).await,
            &[("plan.charges[0].charge_model", "value_is_invalid")],
        );
        // UNSPECIFIED, or no model at all, is a missing model.
        let unspecified = charge_input(&metric, ChargeModel::Unspecified, None);
        let absent = ChargeInput { charge_model: None, ..unspecified.clone() };
        for charge in [unspecified, absent] {
            assert_violations(
                create(&mut client, with_charges(vec![charge])).await,
                &[("plan.charges[0].charge_model", "value_is_invalid"), ("plan.charges[0].charge_model", "value_is_mandatory")],
            );
        }
        let custom = ChargeProperties {
            model: Some(Model::Custom(CustomProperties { custom_properties: None })),
            ..ChargeProperties::default()
        };
        assert_violations(
            create(&mut client, with_charges(vec![charge_input(&metric, ChargeModel::Custom, Some(custom))]))
                .await,
            &[("plan.charges[0].charge_model", "invalid_aggregation_type_or_charge_model")],
        );
        let mut filtered = charge_input(&metric, ChargeModel::Standard, None);
        filtered.filters = vec![ChargeFilterInput {
            invoice_display_name: None,
            properties: Some(properties(Model::Standard(StandardProperties { amount: text("1") }))),
            values: vec![ChargeFilterValues { key: "country".to_owned(), values: vec!["fr".to_owned()] }],
        }];
        assert_violations(
            create(&mut client, with_charges(vec![filtered])).await,
            &[("plan.charges[0].filters[0].values[0].key", "relation_must_exist"), ("plan.charges[0].filters[0].values[0].values", "value_is_invalid")],
        );
        let mut duplicated = charge_input(&metric, ChargeModel::Standard, None);
        duplicated.code = text("calls");
        assert_violations(
            create(&mut client, with_charges(vec![duplicated.clone(), duplicated])).await,
            &[("plan.charges[1].code", "value_already_exist")],
        );

        assert_not_found(get(&mut client, "startup").await, "plan_not_found");
        // The plan is looked up before its (missing) input is read.
        let request = UpdatePlanRequest { code: "startup".to_owned(), plan: None, update_mask: None };
        assert_not_found(client.update_plan(authorized(request)).await, "plan_not_found");
        create(&mut client, startup()).await.expect("create a plan");
        let request = UpdatePlanRequest { code: "startup".to_owned(), plan: None, update_mask: None };
        assert_bad_request(client.update_plan(authorized(request)).await);
        assert_violations(
            update(
                &mut client,
                "startup",
                PlanInput { amount_currency: text("usd"), ..PlanInput::default() },
            )
            .await,
            &[("plan.amount_currency", "value_is_invalid")],
        );
        assert_violations(
            client.list_plans(authorized(ListPlansRequest { page: 1, per_page: 1001 })).await,
            &[("per_page", "value_is_out_of_range")],
        );
        assert_eq!(app.change_event_codes().await.last(), Some(&event("plan.created", "startup")));
    }
}
