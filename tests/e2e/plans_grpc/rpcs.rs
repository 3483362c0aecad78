//! PlanService RPCs: create, get, list, update, delete, authentication, organizations, and the
//! presence semantics of updates.

use super::*;

backend_tests! {
    async fn every_rpc_round_trips_a_plan(app) {
        let mut client = plan_client(&app).await;
        let metric = create_metric(&app, "api", AggregationType::SumAgg).await;
        let vat = create_tax(&app, "vat").await;
        let created = create(
            &mut client,
            PlanInput {
                invoice_display_name: Some(NullableString { value: text("Startup plan") }),
                trial_period: Some(5.0),
                tax_codes: Some(TaxCodes { codes: vec!["vat".to_owned()] }),
                metadata: Some(NullablePlanMetadata {
                    value: Some(PlanMetadata {
                        entries: vec![
                            MetadataEntry { key: "crm".to_owned(), value: text("abc") },
                            MetadataEntry { key: "empty".to_owned(), value: None },
                        ],
                    }),
                }),
                minimum_commitment: Some(MinimumCommitmentInput {
                    amount_cents: Some(500),
                    invoice_display_name: text("Minimum"),
                    tax_codes: None,
                }),
                usage_thresholds: Some(UsageThresholdInputs {
                    thresholds: vec![UsageThresholdInput {
                        amount_cents: Some(100),
                        threshold_display_name: None,
                        recurring: Some(true),
                    }],
                }),
                ..with_charges(vec![charge_input(&metric, ChargeModel::Standard, None)])
            },
        )
        .await
        .expect("create a plan");
        uuid::Uuid::parse_str(&created.id).expect("the id is a UUID");
        let commitment = created.minimum_commitment.clone().expect("a minimum commitment");
        assert_eq!(
            (commitment.amount_cents, commitment.invoice_display_name.as_deref(), commitment.taxes.len()),
            (500, Some("Minimum"), 0)
        );
        let threshold = &created.usage_thresholds[0];
        assert_eq!(
            (created.usage_thresholds.len(), threshold.amount_cents, threshold.recurring),
            (1, 100, true)
        );
        let expected = Plan {
            invoice_display_name: text("Startup plan"),
            trial_period: Some(5.0),
            charges: vec![expected_charge(
                &created.charges[0],
                &metric,
                "api",
                ChargeModel::Standard,
                properties(Model::Standard(StandardProperties { amount: text("0") })),
            )],
            usage_thresholds: created.usage_thresholds.clone(),
            taxes: vec![vat.clone()],
            minimum_commitment: Some(commitment),
            metadata: Some(PlanMetadata {
                entries: vec![
                    MetadataEntry { key: "crm".to_owned(), value: text("abc") },
                    MetadataEntry { key: "empty".to_owned(), value: None },
                ],
            }),
            ..startup_plan(&created)
        };
        assert_eq!(created, expected);
        assert_eq!(get(&mut client, "startup").await.expect("get the plan"), expected);

        let second = create(&mut client, PlanInput { code: text("second"), ..startup() })
            .await
            .expect("create a second plan");
        let listed = client
            .list_plans(authorized(ListPlansRequest { page: Some(1), per_page: Some(1) }))
            .await
            .expect("list plans")
            .into_inner();
        assert_eq!((listed.plans, listed.meta), (vec![second.clone()], Some(meta(1, Some(2), None, 2, 2))));
        let listed = client
            .list_plans(authorized(ListPlansRequest::default()))
            .await
            .expect("list plans")
            .into_inner();
        assert_eq!(
            (listed.plans, listed.meta),
            (vec![second, expected.clone()], Some(meta(1, None, None, 1, 2)))
        );

        let updated = update(
            &mut client,
            "startup",
            PlanInput {
                name: text("Renamed"),
                description: Some(NullableString { value: text("Now described") }),
                ..PlanInput::default()
            },
        )
        .await
        .expect("update the plan");
        let renamed = Plan { name: "Renamed".to_owned(), description: text("Now described"), ..expected };
        assert_eq!(updated, renamed);

        let deleted = delete(&mut client, "startup").await.expect("delete the plan");
        assert_eq!(deleted, Plan { pending_deletion: true, ..renamed });
        assert_not_found(get(&mut client, "startup").await, "plan_not_found");
        assert_not_found(delete(&mut client, "startup").await, "plan_not_found");
        assert_eq!(
            app.change_event_codes().await[2..],
            [
                event("plan.created", "startup"),
                event("plan.created", "second"),
                event("plan.updated", "startup"),
                event("plan.deleted", "startup")
            ]
        );
    }

    async fn every_rpc_needs_an_api_key_and_stays_in_its_organization(app) {
        let mut client = plan_client(&app).await;
        create(&mut client, startup()).await.expect("create a plan");
        assert_unauthenticated(
            client.create_plan(tonic::Request::new(CreatePlanRequest { plan: Some(startup()) })).await,
        );
        assert_unauthenticated(
            client.get_plan(tonic::Request::new(GetPlanRequest { code: "startup".to_owned() })).await,
        );
        assert_unauthenticated(client.list_plans(tonic::Request::new(ListPlansRequest::default())).await);
        let request = UpdatePlanRequest { code: "startup".to_owned(), plan: Some(startup()) };
        assert_unauthenticated(client.update_plan(tonic::Request::new(request)).await);
        assert_unauthenticated(
            client.delete_plan(tonic::Request::new(DeletePlanRequest { code: "startup".to_owned() })).await,
        );
        let other = |code: &str| authorized_as(OTHER_API_KEY, GetPlanRequest { code: code.to_owned() });
        assert_not_found(client.get_plan(other("startup")).await, "plan_not_found");
        let deleted = client
            .delete_plan(authorized_as(OTHER_API_KEY, DeletePlanRequest { code: "startup".to_owned() }))
            .await;
        assert_not_found(deleted, "plan_not_found");
        let listed = client
            .list_plans(authorized_as(OTHER_API_KEY, ListPlansRequest::default()))
            .await
            .expect("list plans")
            .into_inner();
        assert_eq!((listed.plans.len(), listed.meta), (0, Some(meta(0, None, None, 0, 0))));
        get(&mut client, "startup").await.expect("the plan is still there");
    }

    async fn updates_honour_presence(app) {
        let mut client = plan_client(&app).await;
        let metric = create_metric(&app, "api", AggregationType::SumAgg).await;
        let vat = create_tax(&app, "vat").await;
        let created = create(
            &mut client,
            PlanInput {
                invoice_display_name: Some(NullableString { value: text("Shown") }),
                trial_period: Some(3.0),
                tax_codes: Some(TaxCodes { codes: vec!["vat".to_owned()] }),
                metadata: Some(NullablePlanMetadata { value: Some(PlanMetadata { entries: vec![] }) }),
                minimum_commitment: Some(MinimumCommitmentInput {
                    amount_cents: Some(500),
                    ..MinimumCommitmentInput::default()
                }),
                usage_thresholds: Some(UsageThresholdInputs {
                    thresholds: vec![UsageThresholdInput {
                        amount_cents: Some(100),
                        threshold_display_name: None,
                        recurring: None,
                    }],
                }),
                ..with_charges(vec![charge_input(&metric, ChargeModel::Standard, None)])
            },
        )
        .await
        .expect("create a plan");
        assert_eq!(
            (created.taxes.clone(), created.metadata.clone()),
            (vec![vat], Some(PlanMetadata { entries: vec![] }))
        );
        // Nothing given: nothing changes.
        assert_eq!(
            update(&mut client, "startup", PlanInput::default()).await.expect("update nothing"),
            created
        );
        // Everything given empty: cleared or removed.
        let cleared = update(
            &mut client,
            "startup",
            PlanInput {
                invoice_display_name: Some(NullableString { value: None }),
                clear_trial_period: true,
                tax_codes: Some(TaxCodes { codes: vec![] }),
                metadata: Some(NullablePlanMetadata { value: None }),
                minimum_commitment: Some(MinimumCommitmentInput::default()),
                usage_thresholds: Some(UsageThresholdInputs { thresholds: vec![] }),
                charges: Some(ChargeInputs { charges: vec![] }),
                ..PlanInput::default()
            },
        )
        .await
        .expect("clear everything");
        assert_eq!(cleared, startup_plan(&created));
        // A charge updated by id keeps its id and creation time; unset properties reset it.
        let created = update(
            &mut client,
            "startup",
            with_charges(vec![charge_input(
                &metric,
                ChargeModel::Package,
                Some(properties(Model::Package(PackageProperties {
                    amount: text("5"),
                    free_units: Some(1),
                    package_size: Some(2),
                }))),
            )]),
        )
        .await
        .expect("add a charge");
        let charge = &created.charges[0];
        let mut again = charge_input(&metric, ChargeModel::Package, None);
        again.id = Some(charge.id.clone());
        let updated = update(
            &mut client,
            "startup",
            PlanInput { charges: Some(ChargeInputs { charges: vec![again] }), ..PlanInput::default() },
        )
        .await
        .expect("update the charge");
        let defaults = properties(Model::Package(PackageProperties {
            amount: text("0"),
            free_units: Some(0),
            package_size: Some(1),
        }));
        assert_eq!(
            updated.charges,
            vec![expected_charge(charge, &metric, "api", ChargeModel::Package, defaults.clone())]
        );
        // regroup_paid_fees: unset keeps it, "" clears it.
        let with_regrouping = |regroup_paid_fees: Option<&str>, pay_in_advance: bool, invoiceable: bool| {
            let mut input = charge_input(&metric, ChargeModel::Package, Some(defaults.clone()));
            input.id = Some(charge.id.clone());
            input.regroup_paid_fees = regroup_paid_fees.map(str::to_owned);
            input.pay_in_advance = Some(pay_in_advance);
            input.invoiceable = Some(invoiceable);
            PlanInput { charges: Some(ChargeInputs { charges: vec![input] }), ..PlanInput::default() }
        };
        let regrouped = update(&mut client, "startup", with_regrouping(Some("invoice"), true, false))
            .await
            .expect("regroup fees");
        assert_eq!(regrouped.charges[0].regroup_paid_fees.as_deref(), Some("invoice"));
        let kept = update(&mut client, "startup", with_regrouping(None, true, false))
            .await
            .expect("keep regrouping");
        assert_eq!(kept.charges[0].regroup_paid_fees.as_deref(), Some("invoice"));
        assert_violations(
            update(&mut client, "startup", with_regrouping(None, true, true)).await,
            &[("regroup_paid_fees", "only_compatible_with_pay_in_advance_and_non_invoiceable")],
        );
        let cleared =
            update(&mut client, "startup", with_regrouping(Some(""), true, true)).await.expect("clear it");
        assert_eq!(cleared.charges[0].regroup_paid_fees, None);
    }
}
