//! Cases, verifier configurations, and their rendering as Wycheproof-style JSON.
//!
//! Every case is run through the crate as it is rendered ([`Groups::push`]): a valid case must
//! verify to exactly the fields it was built from, an invalid one must fail with its code. A
//! generator that disagrees with the implementation therefore fails loudly instead of writing a
//! wrong file.

use serde_json::{Map, Value, json};
use wechatpay_notify::{SignType, Verifier};

use crate::body::Pairs;
use crate::oracle::{View, typed};

/// One notification body and what verifying it must give.
pub struct Case {
    pub comment: String,
    pub flags: Vec<&'static str>,
    pub body: Vec<u8>,
    /// `Ok((fields, req_info))` for valid cases (`req_info` empty for payments), `Err(code)` for
    /// invalid ones.
    pub expect: Result<(Pairs, Pairs), &'static str>,
}

/// A payment case that verifies to `fields`.
pub fn valid(
    comment: &str,
    flags: &[&'static str],
    body: impl Into<Vec<u8>>,
    fields: Pairs,
) -> Case {
    Case {
        comment: comment.into(),
        flags: flags.to_vec(),
        body: body.into(),
        expect: Ok((fields, Vec::new())),
    }
}

/// A refund case that decrypts to `outer` fields and `req_info` fields.
pub fn valid_refund(
    comment: &str,
    flags: &[&'static str],
    body: impl Into<Vec<u8>>,
    outer: Pairs,
    req_info: Pairs,
) -> Case {
    Case {
        comment: comment.into(),
        flags: flags.to_vec(),
        body: body.into(),
        expect: Ok((outer, req_info)),
    }
}

/// A case refused with the error `code`.
pub fn invalid(
    comment: &str,
    flags: &[&'static str],
    body: impl Into<Vec<u8>>,
    code: &'static str,
) -> Case {
    Case {
        comment: comment.into(),
        flags: flags.to_vec(),
        body: body.into(),
        expect: Err(code),
    }
}

/// A verifier configuration, as written into a group's `config` and as built for the check.
#[derive(Clone)]
pub struct Config {
    pub api_key: &'static str,
    pub sign_type: &'static str,
    pub also_accept: Vec<&'static str>,
    pub appid: Option<&'static str>,
    pub mch_id: Option<&'static str>,
    pub max_body_bytes: Option<usize>,
}

/// The default policy for `api_key` and `sign_type`.
pub fn config(api_key: &'static str, sign_type: &'static str) -> Config {
    Config {
        api_key,
        sign_type,
        also_accept: Vec::new(),
        appid: None,
        mch_id: None,
        max_body_bytes: None,
    }
}

impl Config {
    fn json(&self) -> Value {
        json!({
            "apiKey": self.api_key,
            "signType": self.sign_type,
            "alsoAccept": self.also_accept,
            "appid": self.appid,
            "mchId": self.mch_id,
            "maxBodyBytes": self.max_body_bytes,
        })
    }

    fn build(&self) -> Result<Verifier, wechatpay_notify::Error> {
        let mut v = Verifier::new(self.api_key, SignType::parse(self.sign_type)?)?;
        for t in &self.also_accept {
            v = v.also_accept(SignType::parse(t)?);
        }
        if let Some(a) = self.appid {
            v = v.expect_appid(a);
        }
        if let Some(m) = self.mch_id {
            v = v.expect_mch_id(m);
        }
        if let Some(n) = self.max_body_bytes {
            v = v.max_body_bytes(n);
        }
        Ok(v)
    }
}

/// `[["name", "value"], ...]`: an array keeps order and repeated names, which an object cannot.
pub fn pairs_json(p: &Pairs) -> Value {
    Value::Array(p.iter().map(|(k, v)| json!([k, v])).collect())
}

/// `body` as text when it is UTF-8, else as `bodyHex`.
fn body_json(obj: &mut Map<String, Value>, body: &[u8]) {
    match std::str::from_utf8(body) {
        Ok(s) => obj.insert("body".into(), json!(s)),
        Err(_) => obj.insert(
            "bodyHex".into(),
            json!(body.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        ),
    };
}

/// What the cases of a file exercise: payment verification or refund decryption.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pay,
    Refund,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Pay => "V2Pay",
            Kind::Refund => "V2Refund",
        }
    }
}

/// The test groups of one vector file, with `tcId`s numbered in order across its groups.
pub struct Groups {
    kind: Kind,
    next_id: u64,
    groups: Vec<Value>,
}

impl Groups {
    pub fn new(kind: Kind) -> Self {
        Groups {
            kind,
            next_id: 1,
            groups: Vec::new(),
        }
    }

    /// Checks every case against the crate under `cfg` and renders them as the next group.
    pub fn push(&mut self, cfg: &Config, cases: Vec<Case>) {
        let kind = self.kind;
        let verifier = cfg.build();
        let mut tests = Vec::new();
        for case in cases {
            let mut t = Map::new();
            t.insert("tcId".into(), json!(self.next_id));
            self.next_id += 1;
            t.insert("comment".into(), json!(case.comment));
            t.insert("flags".into(), json!(case.flags));
            body_json(&mut t, &case.body);
            let actual = verifier
                .as_ref()
                .map_err(|e| e.clone())
                .and_then(|v| match kind {
                    Kind::Pay => v.verify_payment(&case.body).map(|n| {
                        let fields = n.fields().to_vec();
                        let typed = typed(
                            View::Payment,
                            &fields,
                            &Vec::new(),
                            Some(n.sign_type().as_str()),
                        );
                        (fields, Vec::new(), typed)
                    }),
                    Kind::Refund => v.decrypt_refund(&case.body).map(|n| {
                        let outer = n.fields().to_vec();
                        let inner = n.req_info().to_vec();
                        let typed = typed(View::Refund, &outer, &inner, None);
                        (outer, inner, typed)
                    }),
                });
            match (&case.expect, actual) {
                (Ok((fields, req_info)), Ok((got, got_inner, typed))) => {
                    assert_eq!(&got, fields, "tc {}: {}", t["tcId"], case.comment);
                    if kind == Kind::Refund {
                        assert_eq!(&got_inner, req_info, "tc {}: {}", t["tcId"], case.comment);
                    }
                    t.insert("result".into(), json!("valid"));
                    let mut expected = Map::new();
                    expected.insert("fields".into(), pairs_json(fields));
                    if kind == Kind::Refund {
                        expected.insert("reqInfo".into(), pairs_json(req_info));
                    }
                    expected.insert("typed".into(), typed);
                    t.insert("expected".into(), Value::Object(expected));
                }
                (Err(code), Err(e)) => {
                    assert_eq!(
                        e.code(),
                        *code,
                        "tc {}: {} ({})",
                        t["tcId"],
                        case.comment,
                        e
                    );
                    t.insert("result".into(), json!("invalid"));
                    t.insert("error".into(), json!(code));
                }
                (want, got) => panic!(
                    "tc {}: {}: expected {:?}, got {:?}",
                    t["tcId"],
                    case.comment,
                    want.as_ref().map(|_| "valid"),
                    got.map(|_| "valid")
                ),
            }
            tests.push(Value::Object(t));
        }
        self.groups
            .push(json!({ "type": kind.as_str(), "config": cfg.json(), "tests": tests }));
    }

    /// The whole file: `schema`, the test count, `notes` (one line per flag) and the groups.
    pub fn into_file(self, schema: &str, notes: Value) -> Value {
        file(schema, notes, self.groups)
    }
}

/// A vector file: `schema`, `numberOfTests`, `notes` (flag -> meaning) and `testGroups`.
pub fn file(schema: &str, notes: Value, groups: Vec<Value>) -> Value {
    let n: usize = groups
        .iter()
        .map(|g| g["tests"].as_array().unwrap().len())
        .sum();
    json!({
        "schema": schema,
        "numberOfTests": n,
        "notes": notes,
        "testGroups": groups,
    })
}
