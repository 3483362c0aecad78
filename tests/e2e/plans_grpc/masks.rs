//! UpdatePlan's update masks: without a mask the fields that are set are written; with one,
//! exactly the listed paths (an unset one cleared: trial period null, commitment and metadata
//! deleted, lists emptied), the commitment's own paths, each charge's own mask, and unknown paths
//! refused.

use super::*;

/// A plan with every optional part.
fn full_plan(metric: &BillableMetric) -> PlanInput {
    PlanInput {
        invoice_display_name: text("Shown"),
        description: text("Described"),
        trial_period: Some(3.0),
        tax_codes: vec!["vat".to_owned()],
        metadata: Some(PlanMetadata { entries: vec![] }),
        minimum_commitment: Some(MinimumCommitmentInput {
            amount_cents: Some(500),
            invoice_display_name: text("Minimum"),
            tax_codes: vec!["vat".to_owned()],
        }),
        usage_thresholds: vec![UsageThresholdInput {
            amount_cents: Some(100),
            threshold_display_name: None,
            recurring: None,
        }],
        ..with_charges(vec![charge_input(metric, ChargeModel::Standard, None)])
    }
}

/// A charge of the plan, named by its id, carrying only what `fill` sets, with `paths` as its
/// mask (the implied one when `None`).
fn charge_update(id: &str, paths: Option<&[&str]>, fill: impl FnOnce(&mut ChargeInput)) -> PlanInput {
    let mut charge = ChargeInput {
        id: Some(id.to_owned()),
        update_mask: paths.and_then(field_mask),
        ..ChargeInput::default()
    };
    fill(&mut charge);
    PlanInput { charges: vec![charge], ..PlanInput::default() }
}

fn commitment(amount_cents: Option<i64>, tax_codes: &[&str]) -> Option<MinimumCommitmentInput> {
    Some(MinimumCommitmentInput {
        amount_cents,
        invoice_display_name: None,
        tax_codes: tax_codes.iter().map(|&code| code.to_owned()).collect(),
    })
}

backend_tests! {
    async fn update_masks_write_exactly_their_paths(app) {
        let mut client = plan_client(&app).await;
        let metric = create_metric(&app, "api", AggregationType::SumAgg).await;
        let vat = create_tax(&app, "vat").await;
        let created = create(&mut client, full_plan(&metric)).await.expect("create a plan");
        assert_eq!((created.taxes.clone(), created.trial_period), (vec![vat], Some(3.0)));

        // No mask and nothing set: nothing changes.
        let unchanged = update(&mut client, "startup", PlanInput::default()).await.expect("update nothing");
        assert_eq!(unchanged, created);
        // No mask: the fields that are set are written, the others kept.
        let implied = update(&mut client, "startup", PlanInput { trial_period: Some(4.5), ..PlanInput::default() })
            .await
            .expect("set the trial period");
        assert_eq!(implied, Plan { trial_period: Some(4.5), ..created.clone() });
        // With a mask, a field set but not listed is kept, and a listed one unset is cleared.
        let masked = update_masked(
            &mut client,
            "startup",
            PlanInput { name: text("Ignored"), ..PlanInput::default() },
            field_mask(&["description"]),
        )
        .await
        .expect("clear the description");
        assert_eq!(masked, Plan { description: None, ..implied.clone() });

        // Every optional part listed and unset: the trial period becomes null, the commitment and
        // the metadata are deleted, the lists emptied.
        let paths = [
            "invoice_display_name",
            "trial_period",
            "tax_codes",
            "metadata",
            "minimum_commitment",
            "usage_thresholds",
            "charges",
        ];
        let cleared = update_masked(&mut client, "startup", PlanInput::default(), field_mask(&paths))
            .await
            .expect("clear everything");
        assert_eq!(cleared, startup_plan(&created));

        // Required fields stay required.
        assert_violations(
            update_masked(&mut client, "startup", PlanInput::default(), field_mask(&["amount_cents", "name"])).await,
            &[("plan.name", "value_is_mandatory"), ("plan.amount_cents", "value_is_mandatory")],
        );
        // Paths the plan does not have are refused, whatever else the request says.
        for unknown in ["trial_periods", "minimum_commitment.amount", "name.first", ""] {
            assert_violations(
                update_masked(&mut client, "startup", startup(), field_mask(&["name", unknown])).await,
                &[("update_mask", "unknown_field")],
            );
        }
        let charges = vec![
            charge_input(&metric, ChargeModel::Standard, None),
            ChargeInput { update_mask: field_mask(&["price"]), ..charge_input(&metric, ChargeModel::Standard, None) },
        ];
        assert_violations(
            update(&mut client, "startup", PlanInput { charges, ..PlanInput::default() }).await,
            &[("plan.charges[1].update_mask", "unknown_field")],
        );
        assert_eq!(get(&mut client, "startup").await.expect("unchanged"), cleared);
    }

    async fn commitment_paths_write_one_field_and_keep_the_others(app) {
        let mut client = plan_client(&app).await;
        let metric = create_metric(&app, "api", AggregationType::SumAgg).await;
        let vat = create_tax(&app, "vat").await;
        create(&mut client, full_plan(&metric)).await.expect("create a plan");
        let parts = |plan: &Plan| {
            let commitment = plan.minimum_commitment.clone().expect("a commitment");
            (commitment.amount_cents, commitment.invoice_display_name, commitment.taxes)
        };

        let amount = update_masked(
            &mut client,
            "startup",
            PlanInput { minimum_commitment: commitment(Some(700), &[]), ..PlanInput::default() },
            field_mask(&["minimum_commitment.amount_cents"]),
        )
        .await
        .expect("change the amount");
        assert_eq!(parts(&amount), (700, text("Minimum"), vec![vat.clone()]));
        let untaxed = update_masked(
            &mut client,
            "startup",
            PlanInput::default(),
            field_mask(&["minimum_commitment.tax_codes"]),
        )
        .await
        .expect("remove the commitment's taxes");
        assert_eq!(parts(&untaxed), (700, text("Minimum"), vec![]));
        // The whole commitment listed: every field written.
        let replaced = update_masked(
            &mut client,
            "startup",
            PlanInput { minimum_commitment: commitment(Some(800), &[]), ..PlanInput::default() },
            field_mask(&["minimum_commitment"]),
        )
        .await
        .expect("replace the commitment");
        assert_eq!(parts(&replaced), (800, None, vec![]));
        // No mask: a set commitment is the whole commitment.
        let implied = update(
            &mut client,
            "startup",
            PlanInput { minimum_commitment: commitment(Some(900), &["vat"]), ..PlanInput::default() },
        )
        .await
        .expect("set the commitment");
        assert_eq!(parts(&implied), (900, None, vec![vat]));

        let deleted = update_masked(&mut client, "startup", PlanInput::default(), field_mask(&["minimum_commitment"]))
            .await
            .expect("delete the commitment");
        assert_eq!(deleted.minimum_commitment, None);
        // A new commitment needs its amount, even when only another field is written.
        assert_violations(
            update_masked(
                &mut client,
                "startup",
                PlanInput {
                    minimum_commitment: Some(MinimumCommitmentInput {
                        invoice_display_name: text("Floor"),
                        ..MinimumCommitmentInput::default()
                    }),
                    ..PlanInput::default()
                },
                field_mask(&["minimum_commitment.invoice_display_name"]),
            )
            .await,
            &[("plan.minimum_commitment.amount_cents", "value_is_mandatory")],
        );
    }

    async fn charge_masks_write_exactly_their_paths(app) {
        let mut client = plan_client(&app).await;
        let metric = create_metric(&app, "api", AggregationType::SumAgg).await;
        let package = properties(Model::Package(PackageProperties {
            amount: text("5"),
            free_units: Some(1),
            package_size: Some(2),
        }));
        let mut input = charge_input(&metric, ChargeModel::Package, Some(package.clone()));
        input.invoice_display_name = text("Calls");
        input.min_amount_cents = Some(10);
        let created = create(&mut client, with_charges(vec![input])).await.expect("create a plan");
        let charge = created.charges[0].clone();
        assert_eq!(
            (charge.invoice_display_name.as_deref(), charge.min_amount_cents, charge.properties.as_ref()),
            (Some("Calls"), 10, Some(&package))
        );

        // Named by its id with nothing else: the charge is kept whole.
        let kept = update(&mut client, "startup", charge_update(&charge.id, None, |_| {})).await.expect("keep it");
        assert_eq!(kept.charges, std::slice::from_ref(&charge));
        // Listed and unset: the default of a new charge.
        let reset = update(
            &mut client,
            "startup",
            charge_update(&charge.id, Some(&["properties", "invoice_display_name", "min_amount_cents"]), |_| {}),
        )
        .await
        .expect("reset the charge");
        let defaults = properties(Model::Package(PackageProperties {
            amount: text("0"),
            free_units: Some(0),
            package_size: Some(1),
        }));
        assert_eq!(
            reset.charges,
            [Charge {
                invoice_display_name: None,
                min_amount_cents: 0,
                properties: Some(defaults.clone()),
                ..charge.clone()
            }]
        );
        // A new model without properties gets its defaults.
        let standard = update(
            &mut client,
            "startup",
            charge_update(&charge.id, None, |charge| charge.charge_model = Some(ChargeModel::Standard.into())),
        )
        .await
        .expect("change the model");
        assert_eq!(
            (standard.charges[0].charge_model(), standard.charges[0].properties.clone()),
            (ChargeModel::Standard, Some(properties(Model::Standard(StandardProperties { amount: text("0") }))))
        );
        // The model has no default.
        assert_violations(
            update(&mut client, "startup", charge_update(&charge.id, Some(&["charge_model"]), |_| {})).await,
            &[("plan.charges[0].charge_model", "value_is_invalid"), ("plan.charges[0].charge_model", "value_is_mandatory")],
        );
        assert_violations(
            update(&mut client, "startup", charge_update(&charge.id, Some(&["id"]), |_| {})).await,
            &[("plan.charges[0].update_mask", "unknown_field")],
        );

        // regroup_paid_fees: kept when not written, cleared when written unset or "".
        let regroup = |paths: Option<&[&str]>, value: Option<&str>, invoiceable: bool| {
            charge_update(&charge.id, paths, |charge| {
                charge.regroup_paid_fees = value.map(str::to_owned);
                charge.pay_in_advance = Some(true);
                charge.invoiceable = Some(invoiceable);
            })
        };
        let regrouped =
            update(&mut client, "startup", regroup(None, Some("invoice"), false)).await.expect("regroup fees");
        assert_eq!(regrouped.charges[0].regroup_paid_fees.as_deref(), Some("invoice"));
        let kept = update(&mut client, "startup", regroup(None, None, false)).await.expect("keep regrouping");
        assert_eq!(kept.charges[0].regroup_paid_fees.as_deref(), Some("invoice"));
        assert_violations(
            update(&mut client, "startup", regroup(None, None, true)).await,
            &[("plan.charges[0].regroup_paid_fees", "only_compatible_with_pay_in_advance_and_non_invoiceable")],
        );
        let listed_unset = regroup(Some(&["regroup_paid_fees", "invoiceable"]), None, true);
        let cleared = update(&mut client, "startup", listed_unset).await.expect("clear it");
        assert_eq!(
            (cleared.charges[0].regroup_paid_fees.as_deref(), cleared.charges[0].invoiceable),
            (None, true)
        );
        let regrouped =
            update(&mut client, "startup", regroup(None, Some("invoice"), false)).await.expect("regroup again");
        assert_eq!(regrouped.charges[0].regroup_paid_fees.as_deref(), Some("invoice"));
        let blank = update(&mut client, "startup", regroup(None, Some(""), true)).await.expect("clear it again");
        assert_eq!(blank.charges[0].regroup_paid_fees, None);
    }
}
