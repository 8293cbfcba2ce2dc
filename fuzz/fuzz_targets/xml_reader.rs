//! The XML reader on arbitrary bytes, and the differential property of its two paths: whenever the
//! canonical fast path accepts a document, the general reader accepts it too with identical fields
//! (names, values, order); the fast path never rejects by itself (it returns `None` instead).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wechatpay_notify::__xml_paths as paths;

fuzz_target!(|body: &[u8]| {
    for root in ["xml", "root"] {
        let general = paths::general(body, root);
        if let Some(fast) = paths::canonical(body, root) {
            match (fast, &general) {
                (Ok(f), Ok(g)) => assert_eq!(&f, g, "the paths disagree on the fields"),
                // A repeated name is decided after reading, the same way on both paths.
                (Err(f), Err(g)) => assert_eq!(f.code(), g.code()),
                (f, g) => panic!("fast {f:?} vs general {g:?}"),
            }
        }
        if let Err(e) = &general {
            let m = e.to_string();
            assert!(m.chars().count() <= 200 && m.bytes().all(|b| (0x20..0x7F).contains(&b)), "{m:?}");
        }
    }
    let _ = wechatpay_notify::parse_unverified(body);
});
