//! End-to-end: the example server on a real loopback port, driven over TCP by a minimal HTTP/1.1
//! client (one request per connection, `Connection: close`). Notifications are built here and
//! signed with the library's `sign`, like WeChat Pay's.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wechatpay_notify::{DEFAULT_MAX_BODY_BYTES, SignType, Verifier, reply, sign};
use wechatpay_notify_example_axum::{
    AppState, Db, Discrepancy, NOTIFY_PATH, Order, Outcome, Payment, Reason, app,
};

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const MCH_ID: &str = "10000100";

/// A running server and a handle on its database.
struct Server {
    addr: SocketAddr,
    state: AppState,
}

async fn start() -> Server {
    start_with(Db::open_in_memory().unwrap()).await
}

async fn start_with(db: Db) -> Server {
    let verifier = Verifier::new(KEY, SignType::Md5)
        .unwrap()
        .expect_mch_id(MCH_ID);
    let state = AppState::new(verifier, db);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Server { addr, state }
}

impl Server {
    fn rows(&self) -> i64 {
        self.state.db().count().unwrap()
    }

    fn db(&self) -> &Db {
        self.state.db()
    }
}

struct HttpResponse {
    status: u16,
    content_type: Option<String>,
    body: String,
}

/// POSTs `body` to `path` with a Content-Length and reads the whole response.
async fn post(addr: SocketAddr, path: &str, body: &[u8]) -> HttpResponse {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    send(addr, request).await
}

/// POSTs `body` to `path` in chunked transfer encoding (no length announced up front).
async fn post_chunked(addr: SocketAddr, path: &str, body: &[u8]) -> HttpResponse {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    for chunk in body.chunks(8192) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    send(addr, request).await
}

/// Sends one raw request and reads the whole response (the server closes the connection).
async fn send(addr: SocketAddr, request: Vec<u8>) -> HttpResponse {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    // Write concurrently with reading: the server may answer (e.g. "too large") before it has read
    // the whole body, and then stops reading it. The write half stays open until the response is
    // in (like a real client; hyper drops a request whose client half-closes early).
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&request).await;
        wr
    });
    let mut raw = Vec::new();
    rd.read_to_end(&mut raw).await.unwrap();
    drop(writer.await.unwrap());

    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let body = String::from_utf8(raw[split + 4..].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
    let status = parts.next().unwrap().parse().unwrap();
    let mut content_type = None;
    let mut content_length = None;
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = Some(value.trim().to_owned()),
            "content-length" => content_length = Some(value.trim().parse::<usize>().unwrap()),
            _ => {}
        }
    }
    assert_eq!(content_length, Some(body.len()), "Content-Length vs body");
    HttpResponse {
        status,
        content_type,
        body,
    }
}

/// A payment notification for order `1409811653` (see [`notification_for`]).
fn signed_notification(transaction_id: &str, total_fee: &str, result_code: &str) -> String {
    notification_for(transaction_id, ORDER, total_fee, result_code)
}

/// The order number of [`signed_notification`].
const ORDER: &str = "1409811653";

/// A payment notification as WeChat Pay sends it: CDATA values, signed with MD5 under `KEY`.
fn notification_for(
    transaction_id: &str,
    out_trade_no: &str,
    total_fee: &str,
    result_code: &str,
) -> String {
    let mut fields = vec![
        ("appid", "wx2421b1c4370ec43b"),
        ("attach", "支付测试"),
        ("bank_type", "CFT"),
        ("fee_type", "CNY"),
        ("is_subscribe", "Y"),
        ("mch_id", MCH_ID),
        ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
        ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
        ("out_trade_no", out_trade_no),
        ("result_code", result_code),
        ("return_code", "SUCCESS"),
        ("time_end", "20140903131540"),
        ("total_fee", total_fee),
        ("cash_fee", total_fee),
        ("trade_type", "JSAPI"),
        ("transaction_id", transaction_id),
    ];
    if result_code == "FAIL" {
        fields.push(("err_code", "NOTENOUGH"));
        fields.push(("err_code_des", "余额不足"));
    }
    let signature = sign(fields.iter().copied(), KEY, SignType::Md5).unwrap();
    let mut xml = String::from("<xml>\n");
    for (k, v) in &fields {
        xml.push_str(&format!("  <{k}><![CDATA[{v}]]></{k}>\n"));
    }
    xml.push_str(&format!("  <sign><![CDATA[{signature}]]></sign>\n</xml>"));
    xml
}

fn assert_success(r: &HttpResponse) {
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body,
        "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
    );
    assert_eq!(r.body, reply::success());
    assert!(
        r.content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("text/xml")),
        "{:?}",
        r.content_type
    );
}

fn assert_fail(r: &HttpResponse, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    // The message is the stable error code only: nothing from the request is echoed.
    assert_eq!(r.body, reply::fail(code));
    assert!(r.body.contains("<![CDATA[FAIL]]>"));
    assert!(
        r.content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("text/xml"))
    );
}

#[tokio::test]
async fn valid_notification_pays_its_order_once_even_when_retried() {
    let server = start().await;
    server.db().create_order(ORDER, 1).unwrap();
    let body = signed_notification("1004400740201409030005092168", "1", "SUCCESS");

    // (a) a valid signed notification for a pending order of that amount: SUCCESS, one row,
    // the order is paid.
    let r = post(server.addr, NOTIFY_PATH, body.as_bytes()).await;
    assert_success(&r);
    assert_eq!(server.rows(), 1);
    assert_eq!(
        server.db().get("1004400740201409030005092168").unwrap(),
        Some((
            Payment {
                dedupe_key: "1004400740201409030005092168".into(),
                out_trade_no: Some(ORDER.into()),
                total_fee: Some(1),
                result_code: Some("SUCCESS".into()),
            },
            "paid".into()
        ))
    );
    let paid = Order {
        out_trade_no: ORDER.into(),
        amount_fen: 1,
        status: "paid".into(),
        transaction_id: Some("1004400740201409030005092168".into()),
    };
    assert_eq!(server.db().order(ORDER).unwrap(), Some(paid.clone()));

    // (b) WeChat Pay retries the same notification: SUCCESS again, still one row, the order
    // paid once, no discrepancy.
    for _ in 0..3 {
        let r = post(server.addr, NOTIFY_PATH, body.as_bytes()).await;
        assert_success(&r);
    }
    assert_eq!(server.rows(), 1);
    assert_eq!(server.db().order(ORDER).unwrap(), Some(paid));
    assert_eq!(server.db().discrepancies().unwrap(), vec![]);
}

#[tokio::test]
async fn amount_mismatch_is_acknowledged_but_only_recorded_for_review() {
    let server = start().await;
    server.db().create_order(ORDER, 100).unwrap();
    // Genuine and signed, but for 1 fen against an order of 100 fen.
    let body = signed_notification("4200000010", "1", "SUCCESS");
    for _ in 0..2 {
        assert_success(&post(server.addr, NOTIFY_PATH, body.as_bytes()).await);
    }
    assert_eq!(server.rows(), 1);
    assert_eq!(
        server
            .db()
            .get("4200000010")
            .unwrap()
            .map(|(_, outcome)| outcome),
        Some("discrepancy".into())
    );
    assert_eq!(
        server.db().discrepancies().unwrap(),
        vec![Discrepancy {
            dedupe_key: "4200000010".into(),
            out_trade_no: Some(ORDER.into()),
            total_fee: Some(1),
            order_amount_fen: Some(100),
            reason: "amount_mismatch".into(),
        }]
    );
    // Never fulfilled.
    let order = server.db().order(ORDER).unwrap().unwrap();
    assert_eq!(
        (order.status.as_str(), order.transaction_id),
        ("pending", None)
    );
}

#[tokio::test]
async fn unknown_order_is_acknowledged_but_only_recorded_for_review() {
    let server = start().await;
    server.db().create_order("some-other-order", 1).unwrap();
    let body = signed_notification("4200000011", "1", "SUCCESS");
    for _ in 0..2 {
        assert_success(&post(server.addr, NOTIFY_PATH, body.as_bytes()).await);
    }
    assert_eq!(server.rows(), 1);
    assert_eq!(
        server.db().discrepancies().unwrap(),
        vec![Discrepancy {
            dedupe_key: "4200000011".into(),
            out_trade_no: Some(ORDER.into()),
            total_fee: Some(1),
            order_amount_fen: None,
            reason: "unknown_order".into(),
        }]
    );
    // No order was created or touched.
    assert_eq!(server.db().order(ORDER).unwrap(), None);
    assert_eq!(
        server
            .db()
            .order("some-other-order")
            .unwrap()
            .unwrap()
            .status,
        "pending"
    );
}

#[tokio::test]
async fn a_second_transaction_for_a_paid_order_is_recorded_for_review() {
    let server = start().await;
    server.db().create_order(ORDER, 1).unwrap();
    assert_success(
        &post(
            server.addr,
            NOTIFY_PATH,
            signed_notification("4200000012", "1", "SUCCESS").as_bytes(),
        )
        .await,
    );
    // The customer paid the same order twice: the second payment is genuine, but it must be
    // refunded by a person, not fulfilled again.
    assert_success(
        &post(
            server.addr,
            NOTIFY_PATH,
            signed_notification("4200000013", "1", "SUCCESS").as_bytes(),
        )
        .await,
    );
    assert_eq!(server.rows(), 2);
    let order = server.db().order(ORDER).unwrap().unwrap();
    assert_eq!(order.transaction_id.as_deref(), Some("4200000012"));
    let d = server.db().discrepancies().unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].dedupe_key.as_str(), d[0].reason.as_str()),
        ("4200000013", "already_paid")
    );
}

#[tokio::test]
async fn concurrent_duplicates_pay_the_order_once() {
    // Two servers sharing one database file, as two instances behind a load balancer would:
    // WeChat Pay's duplicate deliveries arrive at both at the same time.
    let path = std::env::temp_dir().join(format!(
        "wechatpay-notify-example-concurrent-{}.sqlite3",
        std::process::id()
    ));
    remove_db(&path);
    let a = start_with(Db::open(&path).unwrap()).await;
    let b = start_with(Db::open(&path).unwrap()).await;
    a.db().create_order(ORDER, 1).unwrap();
    a.db().create_order("1409811654", 1).unwrap();

    // 16 deliveries of one notification at once.
    let body = signed_notification("4200000014", "1", "SUCCESS");
    let mut tasks = Vec::new();
    for i in 0..16 {
        let addr = if i % 2 == 0 { a.addr } else { b.addr };
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            post(addr, NOTIFY_PATH, body.as_bytes()).await
        }));
    }
    // And 8 different genuine transactions for one other order at once: one pays it.
    for i in 0..8 {
        let addr = if i % 2 == 0 { a.addr } else { b.addr };
        let body = notification_for(&format!("42000001{i:02}"), "1409811654", "1", "SUCCESS");
        tasks.push(tokio::spawn(async move {
            post(addr, NOTIFY_PATH, body.as_bytes()).await
        }));
    }
    for t in tasks {
        assert_success(&t.await.unwrap());
    }
    assert_eq!(a.rows(), 1 + 8);
    assert_eq!(b.rows(), 1 + 8);
    assert_eq!(
        b.db()
            .order(ORDER)
            .unwrap()
            .unwrap()
            .transaction_id
            .as_deref(),
        Some("4200000014")
    );
    let other = b.db().order("1409811654").unwrap().unwrap();
    assert_eq!(other.status, "paid");
    let d = b.db().discrepancies().unwrap();
    assert_eq!(d.len(), 7, "{d:?}");
    assert!(d.iter().all(|d| d.reason == "already_paid"
        && d.out_trade_no.as_deref() == Some("1409811654")
        && Some(d.dedupe_key.as_str()) != other.transaction_id.as_deref()));
    drop((a, b));
    remove_db(&path);
}

fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

#[tokio::test]
async fn forged_notification_is_rejected_and_not_recorded() {
    let server = start().await;
    server.db().create_order(ORDER, 1).unwrap();
    let genuine = signed_notification("4200000001", "1", "SUCCESS");

    // (c) the amount tampered with after signing: FAIL, no row.
    let tampered = genuine.replace(
        "<total_fee><![CDATA[1]]></total_fee>",
        "<total_fee><![CDATA[100000]]></total_fee>",
    );
    assert_ne!(tampered, genuine);
    let r = post(server.addr, NOTIFY_PATH, tampered.as_bytes()).await;
    assert_fail(&r, 400, "signature_mismatch");
    assert!(!r.body.contains("100000") && !r.body.contains("4200000001"));
    assert_eq!(server.rows(), 0);

    // A signature made with another key: FAIL.
    let other_key = genuine.replace(
        &sign_of(&genuine),
        &sign(
            [("return_code", "SUCCESS"), ("transaction_id", "4200000001")],
            "00000000000000000000000000000000",
            SignType::Md5,
        )
        .unwrap(),
    );
    let r = post(server.addr, NOTIFY_PATH, other_key.as_bytes()).await;
    assert_fail(&r, 400, "signature_mismatch");

    // A correctly signed notification for another merchant: FAIL (WECHATPAY_MCH_ID is set).
    let other_merchant = {
        let fields = [
            ("mch_id", "10000999"),
            ("out_trade_no", ORDER),
            ("result_code", "SUCCESS"),
            ("return_code", "SUCCESS"),
            ("total_fee", "1"),
            ("transaction_id", "4200000002"),
        ];
        let s = sign(fields, KEY, SignType::Md5).unwrap();
        let inner: String = fields
            .iter()
            .map(|(k, v)| format!("<{k}>{v}</{k}>"))
            .collect();
        format!("<xml>{inner}<sign>{s}</sign></xml>")
    };
    let r = post(server.addr, NOTIFY_PATH, other_merchant.as_bytes()).await;
    assert_fail(&r, 400, "merchant_mismatch");

    // An XXE attempt never reaches a parser that expands entities.
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\
               <xml><return_code>SUCCESS</return_code><attach>&x;</attach></xml>";
    let r = post(server.addr, NOTIFY_PATH, xxe.as_bytes()).await;
    assert_fail(&r, 400, "forbidden_doctype");

    // Nothing above touched the order.
    assert_eq!(server.db().order(ORDER).unwrap().unwrap().status, "pending");

    // The genuine one is still accepted afterwards, and is the only row.
    assert_success(&post(server.addr, NOTIFY_PATH, genuine.as_bytes()).await);
    assert_eq!(server.rows(), 1);
    assert_eq!(server.db().order(ORDER).unwrap().unwrap().status, "paid");
}

fn sign_of(body: &str) -> String {
    let start = body.find("<sign><![CDATA[").unwrap() + "<sign><![CDATA[".len();
    let end = start + body[start..].find("]]>").unwrap();
    body[start..end].to_owned()
}

#[tokio::test]
async fn oversized_body_is_rejected_and_not_recorded() {
    let server = start().await;
    server.db().create_order(ORDER, 1).unwrap();
    // (d) a validly signed notification padded (with ignorable whitespace) past the limit: the
    // signature would verify, but the size limit comes first.
    let body = signed_notification("4200000003", "1", "SUCCESS");
    let padded = body.replacen(
        "<xml>",
        &format!("<xml>{}", " ".repeat(DEFAULT_MAX_BODY_BYTES)),
        1,
    );
    assert!(padded.len() > DEFAULT_MAX_BODY_BYTES);
    let r = post(server.addr, NOTIFY_PATH, padded.as_bytes()).await;
    assert_fail(&r, 413, "body_too_large");
    assert_eq!(server.rows(), 0);

    // One byte over the limit, and far over it.
    for len in [DEFAULT_MAX_BODY_BYTES + 1, 4 * 1024 * 1024] {
        let r = post(server.addr, NOTIFY_PATH, &vec![b' '; len]).await;
        assert_fail(&r, 413, "body_too_large");
    }
    // Without a Content-Length the limit still holds while the body streams in.
    let r = post_chunked(server.addr, NOTIFY_PATH, padded.as_bytes()).await;
    assert_fail(&r, 413, "body_too_large");
    assert_eq!(server.rows(), 0);

    // A small chunked notification is read and verified like any other.
    assert_success(&post_chunked(server.addr, NOTIFY_PATH, body.as_bytes()).await);
    assert_eq!(server.rows(), 1);

    // Exactly at the limit is not "too large": it reaches the verifier (and is a valid, padded
    // notification).
    let at_limit = body.replacen(
        "<xml>",
        &format!("<xml>{}", " ".repeat(DEFAULT_MAX_BODY_BYTES - body.len())),
        1,
    );
    assert_eq!(at_limit.len(), DEFAULT_MAX_BODY_BYTES);
    assert_success(&post(server.addr, NOTIFY_PATH, at_limit.as_bytes()).await);
    assert_eq!(
        server.rows(),
        1,
        "the same transaction as the chunked one: still one row"
    );
}

#[tokio::test]
async fn failed_payment_is_acknowledged_and_recorded_with_its_result_code() {
    let server = start().await;
    // (e) result_code=FAIL is a signed, genuine notice of a failed payment: acknowledge it
    // (replying FAIL would only make WeChat Pay retry) and record it as failed.
    server.db().create_order(ORDER, 888).unwrap();
    let body = signed_notification("4200000004", "888", "FAIL");
    let r = post(server.addr, NOTIFY_PATH, body.as_bytes()).await;
    assert_success(&r);
    assert_eq!(server.rows(), 1);
    let (row, outcome) = server.state.db().get("4200000004").unwrap().unwrap();
    assert_eq!(row.result_code.as_deref(), Some("FAIL"));
    assert_eq!(row.total_fee, Some(888));
    assert_eq!(outcome, "failed");

    // Retried: still acknowledged, still one row; the order stays unpaid, with no discrepancy.
    assert_success(&post(server.addr, NOTIFY_PATH, body.as_bytes()).await);
    assert_eq!(server.rows(), 1);
    assert_eq!(server.db().order(ORDER).unwrap().unwrap().status, "pending");
    assert_eq!(server.db().discrepancies().unwrap(), vec![]);
}

#[tokio::test]
async fn other_paths_and_methods_are_not_the_endpoint() {
    let server = start().await;
    let body = signed_notification("4200000005", "1", "SUCCESS");
    let r = post(server.addr, "/elsewhere", body.as_bytes()).await;
    assert_eq!(r.status, 404);
    assert_eq!(server.rows(), 0);
}

#[test]
fn database_file_keeps_one_row_per_dedupe_key_across_reopen() {
    let path = std::env::temp_dir().join(format!(
        "wechatpay-notify-example-{}.sqlite3",
        std::process::id()
    ));
    remove_db(&path);
    let p = Payment {
        dedupe_key: "4200000006".into(),
        out_trade_no: Some("o-1".into()),
        total_fee: Some(5),
        result_code: Some("SUCCESS".into()),
    };
    {
        let db = Db::open(&path).unwrap();
        db.create_order("o-1", 5).unwrap();
        assert_eq!(db.record_payment(&p).unwrap(), Outcome::Paid);
        assert_eq!(db.record_payment(&p).unwrap(), Outcome::Duplicate);
    }
    let db = Db::open(&path).unwrap();
    assert_eq!(db.record_payment(&p).unwrap(), Outcome::Duplicate);
    assert_eq!(db.count().unwrap(), 1);
    assert_eq!(db.get("4200000006").unwrap(), Some((p, "paid".into())));
    assert_eq!(db.order("o-1").unwrap().unwrap().status, "paid");
    // An order number is created once.
    assert!(db.create_order("o-1", 5).is_err());
    drop(db);
    remove_db(&path);
}

#[test]
fn every_outcome_of_record_payment() {
    let db = Db::open_in_memory().unwrap();
    db.create_order("o-1", 5).unwrap();
    let pay = |key: &str, order: &str, fee: Option<i64>, result: &str| Payment {
        dedupe_key: key.into(),
        out_trade_no: Some(order.into()),
        total_fee: fee,
        result_code: Some(result.into()),
    };
    let cases = [
        (pay("t1", "o-1", Some(5), "FAIL"), Outcome::Failed),
        (
            pay("t2", "o-1", Some(4), "SUCCESS"),
            Outcome::Discrepancy(Reason::AmountMismatch),
        ),
        // total_fee past i64::MAX is read as None: it matches no order.
        (
            pay("t3", "o-1", None, "SUCCESS"),
            Outcome::Discrepancy(Reason::AmountMismatch),
        ),
        (
            pay("t4", "o-2", Some(5), "SUCCESS"),
            Outcome::Discrepancy(Reason::UnknownOrder),
        ),
        (pay("t5", "o-1", Some(5), "SUCCESS"), Outcome::Paid),
        (pay("t5", "o-1", Some(5), "SUCCESS"), Outcome::Duplicate),
        (
            pay("t6", "o-1", Some(5), "SUCCESS"),
            Outcome::Discrepancy(Reason::AlreadyPaid),
        ),
        // A retry of a discrepancy is a duplicate too: it is not recorded twice.
        (pay("t2", "o-1", Some(4), "SUCCESS"), Outcome::Duplicate),
    ];
    for (p, expected) in &cases {
        assert_eq!(db.record_payment(p).unwrap(), *expected, "{p:?}");
    }
    assert_eq!(db.count().unwrap(), 6);
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
        db.order("o-1").unwrap().unwrap().transaction_id.as_deref(),
        Some("t5")
    );
}

#[tokio::test]
async fn shipped_samples_behave_as_the_readme_says() {
    // The README's curl walk-through, with the repository's sample notifications and key.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../notifications");
    let key = std::fs::read_to_string(dir.join("api_key.txt")).unwrap();
    let verifier = Verifier::new(key.trim_end_matches('\n'), SignType::Md5)
        .unwrap()
        .expect_mch_id(MCH_ID);
    let state = AppState::new(verifier, Db::open_in_memory().unwrap());
    // The README's `add-order` step.
    state.db().create_order("20261127ORDER0001", 101).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let sample = std::fs::read(dir.join("pay-md5.xml")).unwrap();
    assert_success(&post(addr, NOTIFY_PATH, &sample).await);
    assert_success(&post(addr, NOTIFY_PATH, &sample).await);
    let forged = std::fs::read(dir.join("pay-forged.xml")).unwrap();
    assert_fail(
        &post(addr, NOTIFY_PATH, &forged).await,
        400,
        "signature_mismatch",
    );
    let hmac = std::fs::read(dir.join("pay-hmac-sha256.xml")).unwrap();
    assert_fail(
        &post(addr, NOTIFY_PATH, &hmac).await,
        400,
        "signature_mismatch",
    );

    assert_eq!(state.db().count().unwrap(), 1);
    let (row, outcome) = state
        .db()
        .get("4200001234202611270123456789")
        .unwrap()
        .unwrap();
    assert_eq!(row.out_trade_no.as_deref(), Some("20261127ORDER0001"));
    assert_eq!(row.total_fee, Some(101));
    assert_eq!(row.result_code.as_deref(), Some("SUCCESS"));
    assert_eq!(outcome, "paid");
    assert_eq!(
        state
            .db()
            .order("20261127ORDER0001")
            .unwrap()
            .unwrap()
            .status,
        "paid"
    );
}
