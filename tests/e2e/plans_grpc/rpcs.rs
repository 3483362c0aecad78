//! PlanService RPCs: create, get, list, update, delete, authentication and organizations.

use super::*;

backend_tests! {
    async fn every_rpc_round_trips_a_plan(app) {
        let mut client = plan_client(&app).await;
        let metric = create_metric(&app, "api", AggregationType::SumAgg).await;
        let vat = create_tax(&app, "vat").await;
        let created = create(
            &mut client,
            PlanInput {
                invoice_display_name: text("Startup plan"),
                trial_period: Some(5.0),
                tax_codes: vec!["vat".to_owned()],
                metadata: Some(PlanMetadata {
                    entries: vec![
                        MetadataEntry { key: "crm".to_owned(), value: text("abc") },
                        MetadataEntry { key: "empty".to_owned(), value: None },
                    ],
                }),
                minimum_commitment: Some(MinimumCommitmentInput {
                    amount_cents: Some(500),
                    invoice_display_name: text("Minimum"),
                    tax_codes: vec![],
                }),
                usage_thresholds: vec![UsageThresholdInput {
                    amount_cents: Some(100),
                    threshold_display_name: None,
                    recurring: Some(true),
                }],
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
            .list_plans(authorized(ListPlansRequest { page: 1, per_page: 1 }))
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
                description: text("Now described"),
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
        let request = UpdatePlanRequest { code: "startup".to_owned(), plan: Some(startup()), update_mask: None };
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
}
