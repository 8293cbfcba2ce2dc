//! End-to-end: the example app on a real loopback port, configured from a profiles file for two
//! merchants (v2 and APIv3 each), driven over TCP by a minimal HTTP/1.1 client with notifications
//! made by `wechatpay-notify simulate --print`, signed as WeChat Pay signs them.

mod common;

use std::net::SocketAddr;

use common::*;
use tokio::net::TcpListener;
use wechatpay_notify::{DEFAULT_MAX_BODY_BYTES, Endpoint, V3Headers};
use wechatpay_notify_example_axum::{
    AppState, Db, Discrepancy, NOTIFY_PATH, Order, Outcome, Payment, PaymentRow, Reason, Refund,
    app,
};

/// A running server and a handle on its database.
struct Server {
    addr: SocketAddr,
    state: AppState,
}

async fn start() -> Server {
    start_with(Db::open_in_memory().unwrap(), 0).await
}

async fn start_with(db: Db, fail_first: usize) -> Server {
    let endpoint = Endpoint::from_profiles_file(profiles()).unwrap();
    let state = AppState::new(endpoint, db).fail_first_requests_for_tests(fail_first);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Server { addr, state }
}

impl Server {
    fn db(&self) -> &Db {
        self.state.db()
    }

    fn rows(&self) -> i64 {
        self.db().count().unwrap()
    }

    fn order(&self, m: &Merchant, no: &str) -> Option<Order> {
        self.db().order(m.label, no).unwrap()
    }

    async fn v2(&self, body: &str) -> HttpResponse {
        post_v2(self.addr, NOTIFY_PATH, body.as_bytes()).await
    }

    async fn v3(&self, r: &V3Request) -> HttpResponse {
        post_v3(self.addr, NOTIFY_PATH, r).await
    }
}

fn paid(m: &Merchant, no: &str, amount: i64, tx: &str) -> Option<Order> {
    Some(Order {
        merchant: m.label.into(),
        out_trade_no: no.into(),
        amount_fen: amount,
        status: "paid".into(),
        transaction_id: Some(tx.into()),
    })
}

fn pending(m: &Merchant, no: &str, amount: i64) -> Option<Order> {
    Some(Order {
        merchant: m.label.into(),
        out_trade_no: no.into(),
        amount_fen: amount,
        status: "pending".into(),
        transaction_id: None,
    })
}

fn row(m: &Merchant, key: &str, version: &str, no: &str, fee: i64, outcome: &str) -> PaymentRow {
    PaymentRow {
        merchant: m.label.into(),
        dedupe_key: key.into(),
        version: version.into(),
        out_trade_no: Some(no.into()),
        total_fee: Some(fee),
        result: Some("SUCCESS".into()),
        outcome: outcome.into(),
    }
}

#[tokio::test]
async fn payments_of_both_merchants_in_both_versions_pay_once_under_retries() {
    let s = start().await;
    // The same order number at both merchants: orders are keyed by merchant and number.
    s.db().create_order(A.label, "o-1", 101).unwrap();
    s.db().create_order(A.label, "o-2", 202).unwrap();
    s.db().create_order(B.label, "o-1", 303).unwrap();
    s.db().create_order(B.label, "o-3", 404).unwrap();
    let a2 = v2_payment(&A, "4200000000000000000000000101", "o-1", 101);
    let a3 = v3_payment(&A, "4200000000000000000000000102", "o-2", 202);
    let b2 = v2_payment(&B, "4200000000000000000000000201", "o-1", 303);
    let b3 = v3_payment(&B, "4200000000000000000000000202", "o-3", 404);
    // WeChat Pay retries each: the first delivery pays, the others change nothing.
    for _ in 0..3 {
        assert_v2_success(&s.v2(&a2).await);
        assert_v3_success(&s.v3(&a3).await);
        assert_v2_success(&s.v2(&b2).await);
        assert_v3_success(&s.v3(&b3).await);
    }
    assert_eq!(
        s.db().payments().unwrap(),
        vec![
            row(&A, "4200000000000000000000000101", "v2", "o-1", 101, "paid"),
            row(&A, "4200000000000000000000000102", "v3", "o-2", 202, "paid"),
            row(&B, "4200000000000000000000000201", "v2", "o-1", 303, "paid"),
            row(&B, "4200000000000000000000000202", "v3", "o-3", 404, "paid"),
        ]
    );
    assert_eq!(
        s.order(&A, "o-1"),
        paid(&A, "o-1", 101, "4200000000000000000000000101")
    );
    assert_eq!(
        s.order(&A, "o-2"),
        paid(&A, "o-2", 202, "4200000000000000000000000102")
    );
    assert_eq!(
        s.order(&B, "o-1"),
        paid(&B, "o-1", 303, "4200000000000000000000000201")
    );
    assert_eq!(
        s.order(&B, "o-3"),
        paid(&B, "o-3", 404, "4200000000000000000000000202")
    );
    assert_eq!(s.db().discrepancies().unwrap(), vec![]);
}

#[tokio::test]
async fn the_v2_and_v3_deliveries_of_one_payment_are_recorded_once() {
    let s = start().await;
    s.db().create_order(A.label, "o-5", 500).unwrap();
    s.db().create_order(B.label, "o-6", 600).unwrap();
    // A merchant migrating to APIv3 receives both: the dedupe key (transaction_id) is the same.
    let tx_a = "4200000000000000000000000501";
    assert_v3_success(&s.v3(&v3_payment(&A, tx_a, "o-5", 500)).await);
    assert_v2_success(&s.v2(&v2_payment(&A, tx_a, "o-5", 500)).await);
    assert_v3_success(&s.v3(&v3_payment(&A, tx_a, "o-5", 500)).await);
    // And the other way round.
    let tx_b = "4200000000000000000000000601";
    assert_v2_success(&s.v2(&v2_payment(&B, tx_b, "o-6", 600)).await);
    assert_v3_success(&s.v3(&v3_payment(&B, tx_b, "o-6", 600)).await);
    assert_eq!(
        s.db().payments().unwrap(),
        vec![
            row(&A, tx_a, "v3", "o-5", 500, "paid"),
            row(&B, tx_b, "v2", "o-6", 600, "paid"),
        ]
    );
    assert_eq!(s.order(&A, "o-5"), paid(&A, "o-5", 500, tx_a));
    assert_eq!(s.order(&B, "o-6"), paid(&B, "o-6", 600, tx_b));
    assert_eq!(s.db().discrepancies().unwrap(), vec![]);
}

#[tokio::test]
async fn amount_mismatch_is_acknowledged_but_only_recorded_for_review() {
    let s = start().await;
    s.db().create_order(A.label, "o-1", 100).unwrap();
    s.db().create_order(B.label, "o-2", 100).unwrap();
    // Genuine and signed, but 1 fen (v2 total_fee) and 99 fen (v3 amount.total) against 100.
    for _ in 0..2 {
        assert_v2_success(&s.v2(&v2_payment(&A, "4200000010", "o-1", 1)).await);
        assert_v3_success(&s.v3(&v3_payment(&B, "4200000011", "o-2", 99)).await);
    }
    assert_eq!(s.rows(), 2);
    assert_eq!(
        s.db().discrepancies().unwrap(),
        vec![
            Discrepancy {
                merchant: A.label.into(),
                dedupe_key: "4200000010".into(),
                out_trade_no: Some("o-1".into()),
                total_fee: Some(1),
                order_amount_fen: Some(100),
                reason: "amount_mismatch".into(),
            },
            Discrepancy {
                merchant: B.label.into(),
                dedupe_key: "4200000011".into(),
                out_trade_no: Some("o-2".into()),
                total_fee: Some(99),
                order_amount_fen: Some(100),
                reason: "amount_mismatch".into(),
            },
        ]
    );
    // Never fulfilled.
    assert_eq!(s.order(&A, "o-1"), pending(&A, "o-1", 100));
    assert_eq!(s.order(&B, "o-2"), pending(&B, "o-2", 100));
}

#[tokio::test]
async fn unknown_order_is_acknowledged_but_only_recorded_for_review() {
    let s = start().await;
    // The order exists, but at merchant B: a payment to A naming it pays nothing.
    s.db().create_order(B.label, "o-9", 900).unwrap();
    assert_v2_success(&s.v2(&v2_payment(&A, "4200000020", "o-9", 900)).await);
    assert_v3_success(&s.v3(&v3_payment(&A, "4200000021", "o-9", 900)).await);
    assert_v3_success(&s.v3(&v3_payment(&A, "4200000021", "o-9", 900)).await);
    let d = s.db().discrepancies().unwrap();
    assert_eq!(
        d.iter()
            .map(|d| (
                d.merchant.as_str(),
                d.dedupe_key.as_str(),
                d.reason.as_str(),
                d.order_amount_fen
            ))
            .collect::<Vec<_>>(),
        [
            ("shop-a", "4200000020", "unknown_order", None),
            ("shop-a", "4200000021", "unknown_order", None),
        ]
    );
    assert_eq!(s.order(&A, "o-9"), None);
    assert_eq!(s.order(&B, "o-9"), pending(&B, "o-9", 900));
}

#[tokio::test]
async fn a_second_transaction_for_a_paid_order_is_recorded_for_review() {
    let s = start().await;
    s.db().create_order(A.label, "o-1", 1).unwrap();
    assert_v2_success(&s.v2(&v2_payment(&A, "4200000012", "o-1", 1)).await);
    // The customer paid the same order twice: the second payment is genuine, but it must be
    // refunded by a person, not fulfilled again.
    assert_v3_success(&s.v3(&v3_payment(&A, "4200000013", "o-1", 1)).await);
    assert_eq!(s.order(&A, "o-1"), paid(&A, "o-1", 1, "4200000012"));
    let d = s.db().discrepancies().unwrap();
    assert_eq!(
        d.iter()
            .map(|d| (d.dedupe_key.as_str(), d.reason.as_str()))
            .collect::<Vec<_>>(),
        [("4200000013", "already_paid")]
    );
}

#[tokio::test]
async fn cross_merchant_forgeries_are_refused_and_record_nothing() {
    let s = start().await;
    s.db().create_order(A.label, "o-1", 100).unwrap();
    s.db().create_order(B.label, "o-1", 100).unwrap();

    // v2: a body naming merchant A (its mch_id routes it to A's verifier) but signed with B's key
    // (with A's algorithm, so only the key differs): A's key does not verify it. The endpoint's v2
    // refusal: 200 with the XML FAIL (WeChat Pay reads the outcome from the XML).
    let forged = v2_payment_signed(
        B.v2_key,
        A.sign_type,
        A.mch_id,
        "4200000030",
        "o-1",
        100,
        "SUCCESS",
    );
    assert_v2_fail(&s.v2(&forged).await, 200, "signature_mismatch");
    // And naming B, signed with A's key.
    let forged = v2_payment_signed(
        A.v2_key,
        B.sign_type,
        B.mch_id,
        "4200000031",
        "o-1",
        100,
        "SUCCESS",
    );
    assert_v2_fail(&s.v2(&forged).await, 200, "signature_mismatch");
    // A tampered amount.
    let genuine = v2_payment(&A, "4200000032", "o-1", 100);
    let tampered = genuine.replace("<total_fee><![CDATA[100]]>", "<total_fee><![CDATA[1]]>");
    assert_ne!(tampered, genuine);
    assert_v2_fail(&s.v2(&tampered).await, 200, "signature_mismatch");

    // v3: A's key id in Wechatpay-Serial (routing to A) but signed with B's private key.
    let pay = |tx| {
        [
            "--transaction-id",
            tx,
            "--out-trade-no",
            "o-1",
            "--total-fee",
            "100",
        ]
    };
    let forged = v3_simulate(
        "pay",
        A.v3_mchid,
        A.v3_key,
        B.private_key,
        A.key_id,
        &pay("4200000033"),
    );
    assert_v3_fail(&s.v3(&forged).await, 401, "signature_mismatch");
    // Genuinely signed for B (B's key and id), but the resource encrypted under A's APIv3 key:
    // B's key does not decrypt it.
    let forged = v3_simulate(
        "pay",
        A.v3_mchid,
        A.v3_key,
        B.private_key,
        B.key_id,
        &pay("4200000034"),
    );
    assert_v3_fail(&s.v3(&forged).await, 400, "decrypt_failed");

    assert_eq!(s.rows(), 0);
    assert_eq!(s.order(&A, "o-1"), pending(&A, "o-1", 100));
    assert_eq!(s.order(&B, "o-1"), pending(&B, "o-1", 100));
    // The genuine one still pays.
    assert_v2_success(&s.v2(&genuine).await);
    assert_eq!(s.order(&A, "o-1"), paid(&A, "o-1", 100, "4200000032"));
}

#[tokio::test]
async fn v3_stale_timestamps_probes_and_unknown_keys_are_refused() {
    let s = start().await;
    s.db().create_order(A.label, "o-1", 100).unwrap();
    let pay = [
        "--transaction-id",
        "4200000040",
        "--out-trade-no",
        "o-1",
        "--total-fee",
        "100",
    ];
    let genuine = v3_of(&A, "pay", &pay);
    // Correctly signed, but ten minutes old: outside the 300 s window.
    let stale = v3_of(&A, "pay", &[&pay[..], &["--stale-timestamp"]].concat());
    assert_v3_fail(&s.v3(&stale).await, 401, "timestamp_out_of_window");
    // Correctly signed, but ten minutes ahead. simulate signs only now or ten minutes ago, and the
    // handler reads the wall clock, so this side of the window is checked where the handler's
    // clock goes in: the core's Endpoint (the example's `endpoint.handle`), ten minutes behind.
    let endpoint = Endpoint::from_profiles_file(profiles()).unwrap();
    let headers: V3Headers = genuine.headers.iter().cloned().collect();
    let ahead = endpoint
        .handle(&headers, genuine.body.as_bytes(), unix_now() - 600)
        .unwrap_err();
    assert_eq!(ahead.error().code(), "timestamp_out_of_window");
    assert_eq!(ahead.reply().status, 401);
    // WeChat Pay's probe traffic.
    let probe = v3_of(&A, "pay", &[&pay[..], &["--probe"]].concat());
    assert_v3_fail(&s.v3(&probe).await, 401, "signature_probe");
    // A key id no merchant trusts.
    let unknown = v3_simulate(
        "pay",
        A.v3_mchid,
        A.v3_key,
        A.private_key,
        "PUB_KEY_ID_0199999999999999999999999999",
        &pay,
    );
    assert_v3_fail(&s.v3(&unknown).await, 401, "unknown_serial");
    // A header missing.
    let mut missing = genuine.clone();
    missing.headers.retain(|(k, _)| k != "Wechatpay-Timestamp");
    assert_v3_fail(&s.v3(&missing).await, 401, "missing_header");
    // The body re-serialised (whitespace changed) after signing.
    let mut reserialised = genuine.clone();
    reserialised.body = reserialised.body.replacen(',', ", ", 1);
    assert_v3_fail(&s.v3(&reserialised).await, 401, "signature_mismatch");

    assert_eq!(s.rows(), 0);
    assert_eq!(s.order(&A, "o-1"), pending(&A, "o-1", 100));
    assert_v3_success(&s.v3(&genuine).await);
    assert_eq!(s.order(&A, "o-1"), paid(&A, "o-1", 100, "4200000040"));
}

#[tokio::test]
async fn refunds_are_recorded_once_and_never_acted_upon() {
    let s = start().await;
    s.db().create_order(A.label, "o-1", 100).unwrap();
    s.db().create_order(B.label, "o-2", 200).unwrap();
    assert_v2_success(&s.v2(&v2_payment(&A, "4200000050", "o-1", 100)).await);
    assert_v3_success(&s.v3(&v3_payment(&B, "4200000051", "o-2", 200)).await);
    let a = v2_refund(&A, "50000000000000000000000000001", "o-1", 100);
    let b = v3_refund(&B, "50300000000000000000000000002", "o-2", 200, "SUCCESS");
    for _ in 0..2 {
        assert_v2_success(&s.v2(&a).await);
        assert_v3_success(&s.v3(&b).await);
    }
    // simulate chooses each refund's out_refund_no (it has no option for it).
    let refunds = s.db().refunds().unwrap();
    for r in &refunds {
        assert_simulated_out_refund_no(r.out_refund_no.as_deref());
    }
    assert_eq!(
        refunds,
        vec![
            Refund {
                merchant: A.label.into(),
                dedupe_key: "50000000000000000000000000001:SUCCESS".into(),
                version: "v2".into(),
                refund_id: Some("50000000000000000000000000001".into()),
                out_trade_no: Some("o-1".into()),
                out_refund_no: refunds[0].out_refund_no.clone(),
                refund_fee: Some(100),
                refund_status: Some("SUCCESS".into()),
            },
            Refund {
                merchant: B.label.into(),
                dedupe_key: "50300000000000000000000000002:SUCCESS".into(),
                version: "v3".into(),
                refund_id: Some("50300000000000000000000000002".into()),
                out_trade_no: Some("o-2".into()),
                out_refund_no: refunds[1].out_refund_no.clone(),
                refund_fee: Some(200),
                refund_status: Some("SUCCESS".into()),
            },
        ]
    );
    // The orders and payments are untouched: a refund is a hint to confirm with the refund query
    // API (a v2 req_info is AES-256-ECB without integrity).
    assert_eq!(s.order(&A, "o-1"), paid(&A, "o-1", 100, "4200000050"));
    assert_eq!(s.order(&B, "o-2"), paid(&B, "o-2", 200, "4200000051"));
    assert_eq!(s.rows(), 2);
    // A refund naming A but encrypted with B's key is refused.
    let forged = v2_refund_encrypted(
        B.v2_key,
        A.mch_id,
        "50000000000000000000000000003",
        "o-1",
        100,
    );
    assert_v2_fail(&s.v2(&forged).await, 200, "decrypt_failed");
    assert_eq!(s.db().refunds().unwrap().len(), 2);
}

#[tokio::test]
async fn a_refund_state_moves_forward_and_is_never_swallowed() {
    // REFUND.ABNORMAL then REFUND.SUCCESS under one refund_id: two deliveries, two keys, and the
    // latest state is SUCCESS; a late retry of ABNORMAL does not move it back.
    let s = start().await;
    let id = "50300000000000000000000000009";
    let event = |status: &str| v3_refund(&B, id, "o-9", 90, status);
    assert_v3_success(&s.v3(&event("ABNORMAL")).await);
    assert_eq!(
        s.db().refund_state(B.label, id).unwrap().as_deref(),
        Some("ABNORMAL")
    );
    assert_v3_success(&s.v3(&event("SUCCESS")).await);
    assert_eq!(
        s.db().refund_state(B.label, id).unwrap().as_deref(),
        Some("SUCCESS")
    );
    assert_v3_success(&s.v3(&event("ABNORMAL")).await);
    assert_eq!(
        s.db().refund_state(B.label, id).unwrap().as_deref(),
        Some("SUCCESS")
    );
    let keys: Vec<String> = s
        .db()
        .refunds()
        .unwrap()
        .into_iter()
        .map(|r| r.dedupe_key)
        .collect();
    assert_eq!(keys, [format!("{id}:ABNORMAL"), format!("{id}:SUCCESS")]);
}

#[tokio::test]
async fn failed_payments_are_acknowledged_and_recorded_as_failed() {
    let s = start().await;
    s.db().create_order(A.label, "o-1", 888).unwrap();
    s.db().create_order(B.label, "o-2", 888).unwrap();
    // result_code=FAIL (v2) and trade_state=PAYERROR (v3) are genuine notices of failed payments:
    // acknowledge them (refusing would only make WeChat Pay retry) and record them as failed.
    let a = v2_payment_signed(
        A.v2_key,
        A.sign_type,
        A.mch_id,
        "4200000060",
        "o-1",
        888,
        "FAIL",
    );
    // simulate's --result FAIL: v2 result_code FAIL, v3 trade_state PAYERROR.
    let b = v3_of(
        &B,
        "pay",
        &[
            "--transaction-id",
            "4200000061",
            "--out-trade-no",
            "o-2",
            "--total-fee",
            "888",
            "--result",
            "FAIL",
        ],
    );
    for _ in 0..2 {
        assert_v2_success(&s.v2(&a).await);
        assert_v3_success(&s.v3(&b).await);
    }
    let rows = s.db().payments().unwrap();
    assert_eq!(
        rows.iter()
            .map(|p| (p.merchant.as_str(), p.result.as_deref(), p.outcome.as_str()))
            .collect::<Vec<_>>(),
        [
            ("shop-a", Some("FAIL"), "failed"),
            ("shop-b", Some("PAYERROR"), "failed")
        ]
    );
    assert_eq!(s.order(&A, "o-1"), pending(&A, "o-1", 888));
    assert_eq!(s.order(&B, "o-2"), pending(&B, "o-2", 888));
    assert_eq!(s.db().discrepancies().unwrap(), vec![]);
}

#[tokio::test]
async fn concurrent_duplicates_pay_each_order_once() {
    // Two servers sharing one database file, as two instances behind a load balancer would:
    // WeChat Pay's duplicate deliveries, v2 and v3, arrive at both at the same time.
    let dir = scratch_dir("concurrent");
    let path = dir.join("payments.sqlite3");
    let a = start_with(Db::open(&path).unwrap(), 0).await;
    let b = start_with(Db::open(&path).unwrap(), 0).await;
    a.db().create_order(A.label, "o-1", 1).unwrap();
    a.db().create_order(B.label, "o-2", 1).unwrap();

    // 16 deliveries of one payment of A at once, half v2 and half v3 (one transaction_id).
    let v2 = v2_payment(&A, "4200000070", "o-1", 1);
    let v3 = v3_payment(&A, "4200000070", "o-1", 1);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let addr = if i % 2 == 0 { a.addr } else { b.addr };
        let (v2, v3) = (v2.clone(), v3.clone());
        tasks.push(tokio::spawn(async move {
            if i % 4 < 2 {
                let r = post_v2(addr, NOTIFY_PATH, v2.as_bytes()).await;
                assert_v2_success(&r);
            } else {
                let r = post_v3(addr, NOTIFY_PATH, &v3).await;
                assert_v3_success(&r);
            }
        }));
    }
    // And 8 different genuine transactions for one order of B at once: one pays it. (Each is made
    // before its task, so that the requests, not the CLI runs, are what overlap.)
    for i in 0..8 {
        let addr = if i % 2 == 0 { a.addr } else { b.addr };
        let tx = format!("42000001{i:02}");
        if i % 2 == 0 {
            let v2 = v2_payment(&B, &tx, "o-2", 1);
            tasks.push(tokio::spawn(async move {
                assert_v2_success(&post_v2(addr, NOTIFY_PATH, v2.as_bytes()).await);
            }));
        } else {
            let v3 = v3_payment(&B, &tx, "o-2", 1);
            tasks.push(tokio::spawn(async move {
                assert_v3_success(&post_v3(addr, NOTIFY_PATH, &v3).await);
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(a.rows(), 1 + 8);
    assert_eq!(b.order(&A, "o-1"), paid(&A, "o-1", 1, "4200000070"));
    let other = b.order(&B, "o-2").unwrap();
    assert_eq!(other.status, "paid");
    let d = b.db().discrepancies().unwrap();
    assert_eq!(d.len(), 7, "{d:?}");
    assert!(d.iter().all(|d| d.reason == "already_paid"
        && d.merchant == B.label
        && Some(d.dedupe_key.as_str()) != other.transaction_id.as_deref()));
    drop((a, b));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn oversized_undecidable_and_unknown_merchant_requests_get_the_endpoints_refusal() {
    let s = start().await;
    s.db().create_order(A.label, "o-1", 1).unwrap();
    // A validly signed v2 notification padded (ignorable whitespace) past the limit: the size
    // limit comes first; a body no merchant could be chosen for gets the v2 FAIL with 400.
    let body = v2_payment(&A, "4200000080", "o-1", 1);
    let padded = body.replacen(
        "<xml>",
        &format!("<xml>{}", " ".repeat(DEFAULT_MAX_BODY_BYTES)),
        1,
    );
    assert_v2_fail(&s.v2(&padded).await, 400, "body_too_large");
    assert_v2_fail(
        &post_chunked(s.addr, NOTIFY_PATH, padded.as_bytes()).await,
        400,
        "body_too_large",
    );
    assert_v2_fail(&s.v2(&" ".repeat(4 << 20)).await, 400, "body_too_large");
    // An APIv3 request over the limit: the APIv3 refusal.
    let big = v3_payment(&A, "4200000081", "o-1", 1);
    let big = V3Request {
        body: format!("{}{}", big.body, " ".repeat(DEFAULT_MAX_BODY_BYTES)),
        ..big
    };
    assert_v3_fail(&s.v3(&big).await, 400, "body_too_large");
    // Not XML and no Wechatpay-Signature; an XXE attempt; a merchant nobody serves.
    assert_v2_fail(&s.v2("{\"id\":1}").await, 400, "malformed_xml");
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\
               <xml><mch_id>10000100</mch_id><attach>&x;</attach></xml>";
    assert_v2_fail(&s.v2(xxe).await, 400, "forbidden_doctype");
    let other = v2_payment_signed(
        A.v2_key,
        A.sign_type,
        "19999999",
        "4200000082",
        "o-1",
        1,
        "SUCCESS",
    );
    assert_v2_fail(&s.v2(&other).await, 200, "merchant_mismatch");
    assert_eq!(s.rows(), 0);

    // Exactly at the limit is not "too large" (and chunked bodies are read like any other).
    let at_limit = body.replacen(
        "<xml>",
        &format!("<xml>{}", " ".repeat(DEFAULT_MAX_BODY_BYTES - body.len())),
        1,
    );
    assert_eq!(at_limit.len(), DEFAULT_MAX_BODY_BYTES);
    assert_v2_success(&post_chunked(s.addr, NOTIFY_PATH, at_limit.as_bytes()).await);
    assert_eq!(s.order(&A, "o-1"), paid(&A, "o-1", 1, "4200000080"));
}

#[tokio::test]
async fn one_route_only() {
    let s = start().await;
    let body = v2_payment(&A, "4200000090", "o-1", 1);
    assert_eq!(
        post_v2(s.addr, "/wechatpay/notify/pay", body.as_bytes())
            .await
            .status,
        404
    );
    assert_eq!(request(s.addr, "GET", NOTIFY_PATH).await.status, 405);
    assert_eq!(s.rows(), 0);
}

#[tokio::test]
async fn test_only_switch_fails_the_first_requests_with_500() {
    let s = start_with(Db::open_in_memory().unwrap(), 2).await;
    s.db().create_order(A.label, "o-1", 1).unwrap();
    let v2 = v2_payment(&A, "4200000095", "o-1", 1);
    // Not acknowledged, in each version's form: WeChat Pay retries.
    let r = s.v2(&v2).await;
    assert_v2_fail(&r, 500, "internal");
    let r = s.v3(&v3_payment(&A, "4200000095", "o-1", 1)).await;
    assert_v3_fail(&r, 500, "internal");
    assert_eq!(s.rows(), 0);
    assert_v2_success(&s.v2(&v2).await);
    assert_eq!(s.order(&A, "o-1"), paid(&A, "o-1", 1, "4200000095"));
}

#[test]
fn profiles_file_rules() {
    let dir = scratch_dir("profiles-rules");
    let good = write_profiles(&dir);
    let endpoint = Endpoint::from_profiles_file(&good).unwrap();
    assert_eq!(endpoint.labels().collect::<Vec<_>>(), ["shop-a", "shop-b"]);

    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&good).unwrap()).unwrap();
    let try_with = |edit: &dyn Fn(&mut serde_json::Value)| -> String {
        let mut doc = original.clone();
        edit(&mut doc);
        let path = dir.join("edited.json");
        write_private(&path, &doc.to_string());
        Endpoint::from_profiles_file(&path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    // A key written inline is refused, and never echoed.
    let e = try_with(&|d| d["profiles"][0]["v2"]["api_key"] = A.v2_key.into());
    assert!(e.contains("never written into the profiles file"), "{e}");
    assert!(!e.contains(A.v2_key));
    // Both a file and a variable, or neither.
    let e = try_with(&|d| d["profiles"][0]["v3"]["api_v3_key_env"] = "X".into());
    assert!(
        e.contains("exactly one of api_v3_key_file and api_v3_key_env"),
        "{e}"
    );
    // A variable that is not set.
    let e = try_with(&|d| {
        let v3 = d["profiles"][1]["v3"].as_object_mut().unwrap();
        v3.remove("api_v3_key_file");
        v3.insert(
            "api_v3_key_env".into(),
            "WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE".into(),
        );
    });
    assert!(e.contains("$WECHATPAY_EXAMPLE_NOT_SET_ANYWHERE"), "{e}");
    // The core's rules: two merchants with one mch_id, one label, or one key id; a v2 part without
    // mch_id; a key of the wrong length; a PEM that is not a key.
    let e = try_with(&|d| d["profiles"][1]["v2"]["mch_id"] = A.mch_id.into());
    assert!(e.contains("invalid_config"), "{e}");
    let e = try_with(&|d| d["profiles"][1]["label"] = A.label.into());
    assert!(e.contains("invalid_config"), "{e}");
    let e = try_with(&|d| {
        d["profiles"][1]["v3"]["platform_keys"] =
            serde_json::json!({A.key_id: "shop-a/wechatpay_public_key.pem"})
    });
    assert!(e.contains("invalid_config"), "{e}");
    let e = try_with(&|d| {
        d["profiles"][0]["v2"]
            .as_object_mut()
            .unwrap()
            .remove("mch_id");
    });
    assert!(e.contains("invalid_config") && e.contains("mch_id"), "{e}");
    // An APIv3 key that is not 32 bytes.
    write_private(&dir.join("short.txt"), "0123456789abcdef\n");
    let e = try_with(&|d| d["profiles"][0]["v3"]["api_v3_key_file"] = "short.txt".into());
    assert!(e.contains("invalid_config"), "{e}");
    assert!(!e.contains("0123456789abcdef"), "{e}");
    let e = try_with(&|d| {
        d["profiles"][0]["v3"]["platform_keys"] =
            serde_json::json!({A.key_id: "shop-a/api_key.txt"})
    });
    assert!(
        e.contains("invalid_config") && e.contains("platform_keys"),
        "{e}"
    );
    assert!(!e.contains(A.v2_key));
    let e = try_with(&|d| d["profiles"][0]["v2"]["sign_type"] = "SHA1".into());
    assert!(!e.is_empty());
    // The core's loader refuses a misspelt setting and a missing sign_type (one loader for every
    // surface and the CLI).
    let e = try_with(&|d| d["profiles"][0]["v2"]["signType"] = "MD5".into());
    assert!(e.contains("unknown v2 setting \"signType\""), "{e}");
    let e = try_with(&|d| {
        d["profiles"][0]["v2"]
            .as_object_mut()
            .unwrap()
            .remove("sign_type");
    });
    assert!(e.contains("sign_type"), "{e}");
    let e = try_with(&|d| d["profiles"] = serde_json::json!({}));
    assert!(e.contains("\"profiles\" list"), "{e}");
    assert!(Endpoint::from_profiles_file(dir.join("missing.json")).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_outcome_of_record_payment() {
    let db = Db::open_in_memory().unwrap();
    db.create_order("shop-a", "o-1", 5).unwrap();
    db.create_order("shop-b", "o-1", 7).unwrap();
    let pay = |m: &str, key: &str, order: &str, fee: Option<i64>, success: bool| Payment {
        merchant: m.into(),
        dedupe_key: key.into(),
        version: "v2".into(),
        out_trade_no: Some(order.into()),
        total_fee: fee,
        result: Some(if success { "SUCCESS" } else { "FAIL" }.into()),
        success,
    };
    let cases = [
        (pay("shop-a", "t1", "o-1", Some(5), false), Outcome::Failed),
        (
            pay("shop-a", "t2", "o-1", Some(4), true),
            Outcome::Discrepancy(Reason::AmountMismatch),
        ),
        // An amount past i64::MAX is read as None: it matches no order.
        (
            pay("shop-a", "t3", "o-1", None, true),
            Outcome::Discrepancy(Reason::AmountMismatch),
        ),
        (
            pay("shop-a", "t4", "o-2", Some(5), true),
            Outcome::Discrepancy(Reason::UnknownOrder),
        ),
        // B's order of the same number has another amount: A's order decides.
        (pay("shop-a", "t5", "o-1", Some(5), true), Outcome::Paid),
        (
            pay("shop-a", "t5", "o-1", Some(5), true),
            Outcome::Duplicate,
        ),
        (
            pay("shop-a", "t6", "o-1", Some(5), true),
            Outcome::Discrepancy(Reason::AlreadyPaid),
        ),
        // The same key at another merchant is another payment.
        (pay("shop-b", "t5", "o-1", Some(7), true), Outcome::Paid),
        // A retry of a discrepancy is a duplicate too: it is not recorded twice.
        (
            pay("shop-a", "t2", "o-1", Some(4), true),
            Outcome::Duplicate,
        ),
    ];
    for (p, expected) in &cases {
        assert_eq!(db.record_payment(p).unwrap(), *expected, "{p:?}");
    }
    assert_eq!(db.count().unwrap(), 7);
    let reasons: Vec<_> = db
        .discrepancies()
        .unwrap()
        .into_iter()
        .map(|d| (d.dedupe_key, d.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("t2".to_owned(), "amount_mismatch".to_owned()),
            ("t3".to_owned(), "amount_mismatch".to_owned()),
            ("t4".to_owned(), "unknown_order".to_owned()),
            ("t6".to_owned(), "already_paid".to_owned()),
        ]
    );
    assert_eq!(
        db.order("shop-a", "o-1")
            .unwrap()
            .unwrap()
            .transaction_id
            .as_deref(),
        Some("t5")
    );
    assert_eq!(db.order("shop-b", "o-1").unwrap().unwrap().status, "paid");
}

#[test]
fn database_file_keeps_one_row_per_key_across_reopen() {
    let dir = scratch_dir("reopen");
    let path = dir.join("payments.sqlite3");
    let p = Payment {
        merchant: "shop-a".into(),
        dedupe_key: "4200000006".into(),
        version: "v3".into(),
        out_trade_no: Some("o-1".into()),
        total_fee: Some(5),
        result: Some("SUCCESS".into()),
        success: true,
    };
    {
        let db = Db::open(&path).unwrap();
        db.create_order("shop-a", "o-1", 5).unwrap();
        assert_eq!(db.record_payment(&p).unwrap(), Outcome::Paid);
    }
    let db = Db::open(&path).unwrap();
    // The v2 delivery of the same payment, after a restart.
    let v2 = Payment {
        version: "v2".into(),
        ..p.clone()
    };
    assert_eq!(db.record_payment(&v2).unwrap(), Outcome::Duplicate);
    assert_eq!(db.count().unwrap(), 1);
    assert_eq!(db.payments().unwrap()[0].version, "v3");
    // An order number is created once per merchant.
    assert!(db.create_order("shop-a", "o-1", 5).is_err());
    db.create_order("shop-b", "o-1", 5).unwrap();
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
}
