//! Writes the committed seed corpus, `fuzz/seeds/<target>/`:
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --example make_seeds [-- WYCHEPROOF_DIR]
//! ```
//!
//! - `verify`: tokens signed by the target's configurations (100-year lifetime) and a sample
//!   of the Wycheproof JWS vectors (`tests/fixtures/wycheproof`);
//! - `jwk`: the test fixtures' keys (PEM, DER, JWK, JWK Set) behind the target's 3-byte
//!   prefix, and the JWK Sets of Wycheproof's `json_web_key_test.json` when WYCHEPROOF_DIR
//!   holds it (`../shared/testdata/wycheproof` in this project);
//! - `bodies`: refresh and password-grant bodies behind the target's 1-byte prefix.
//!
//! The other targets (`extract`, `verify_claims`) read structured input; their seeds are a few
//! small inputs kept from fuzzing runs, which this program leaves alone.

use std::fs;
use std::path::{Path, PathBuf};

use axum_jwt_layer_fuzz::{asymmetric_auth, hmac_auth, LONG};

/// Wycheproof JWS vectors kept as seeds: the first case of every distinct comment, at most
/// this many.
const MAX_WYCHEPROOF: usize = 60;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).expect("the seed directory");
    fs::write(dir.join(name), bytes).expect("a seed file");
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn verify_seeds(dir: &Path) {
    let hmac = hmac_auth();
    let asymmetric = asymmetric_auth();
    let jwt = |auth: &axum_jwt_layer::JwtAuth<String>, kid: Option<&str>| {
        let mut builder = auth
            .create_token("alice")
            .expires_in(LONG)
            .extra("role", "admin");
        if let Some(kid) = kid {
            builder = builder.kid(kid);
        }
        builder.sign().expect("signs")
    };
    write(dir, "hs256", jwt(&hmac, None).as_bytes());
    write(dir, "es256", jwt(&asymmetric, Some("ec")).as_bytes());
    write(dir, "rs256", jwt(&asymmetric, Some("rsa")).as_bytes());
    write(dir, "eddsa", jwt(&asymmetric, Some("ed")).as_bytes());
    // PS256 with the same RSA key: create_token signs with the first algorithm a key serves.
    let header = jsonwebtoken::Header {
        kid: Some("rsa".into()),
        ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::PS256)
    };
    let claims = serde_json::json!({"sub": "alice", "exp": 4_102_444_800_i64});
    let key = jsonwebtoken::EncodingKey::from_rsa_der(&fixture("rsa2048-a-pkcs1-private.der"));
    let ps256 = jsonwebtoken::encode(&header, &claims, &key).expect("PS256 signs");
    write(dir, "ps256", ps256.as_bytes());

    let vectors = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/wycheproof/json_web_signature_test.json");
    let file: serde_json::Value =
        serde_json::from_slice(&fs::read(vectors).expect("the Wycheproof JWS vectors"))
            .expect("JSON");
    let mut seen = Vec::new();
    for case in file["testGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["tests"].as_array().into_iter().flatten())
    {
        let (Some(jws), Some(comment), Some(id)) = (
            case["jws"].as_str(),
            case["comment"].as_str(),
            case["tcId"].as_u64(),
        ) else {
            continue;
        };
        if seen.len() >= MAX_WYCHEPROOF || seen.contains(&comment) || jws.len() > 2048 {
            continue;
        }
        seen.push(comment);
        write(dir, &format!("wycheproof-{id}"), jws.as_bytes());
    }
}

/// The `jwk` target's prefix: the kind of material and the algorithm bits.
fn jwk_seed(kind: u8, algorithms: u16, material: &[u8]) -> Vec<u8> {
    let mut seed = vec![kind];
    seed.extend_from_slice(&algorithms.to_le_bytes());
    seed.extend_from_slice(material);
    seed
}

const HS256: u16 = 1 << 0;
const RS256: u16 = 1 << 3;
const PS256: u16 = 1 << 6;
const ES256: u16 = 1 << 9;
const ES384: u16 = 1 << 10;
const EDDSA: u16 = 1 << 11;

fn jwk_seeds(dir: &Path, wycheproof: Option<&Path>) {
    let keys: [(&str, u16); 5] = [
        ("p256-a", ES256),
        ("p384-a", ES384),
        ("rsa2048-a", RS256 | PS256),
        ("ed25519-a", EDDSA),
        ("rsa1024", RS256),
    ];
    for (name, algorithms) in keys {
        write(
            dir,
            &format!("{name}-public.pem"),
            &jwk_seed(0, algorithms, &fixture(&format!("{name}-public.pem"))),
        );
        write(
            dir,
            &format!("{name}-private.pem"),
            &jwk_seed(1, algorithms, &fixture(&format!("{name}-private.pem"))),
        );
        if name != "rsa1024" {
            write(
                dir,
                &format!("{name}-public.der"),
                &jwk_seed(2, algorithms, &fixture(&format!("{name}-public.der"))),
            );
            write(
                dir,
                &format!("{name}-private.der"),
                &jwk_seed(3, algorithms, &fixture(&format!("{name}-private.der"))),
            );
        }
    }
    write(
        dir,
        "p256-sec1-private.pem",
        &jwk_seed(1, ES256, &fixture("p256-a-sec1-private.pem")),
    );
    write(
        dir,
        "rsa2048-pkcs1-private.pem",
        &jwk_seed(1, RS256, &fixture("rsa2048-a-pkcs1-private.pem")),
    );
    write(
        dir,
        "rsa2048-pkcs1-public.pem",
        &jwk_seed(0, RS256, &fixture("rsa2048-a-pkcs1-public.pem")),
    );
    write(
        dir,
        "rsa2048-pkcs1-private.der",
        &jwk_seed(3, RS256, &fixture("rsa2048-a-pkcs1-private.der")),
    );
    let mut pair = fixture("ed25519-a-private.pem");
    pair.push(0);
    pair.extend_from_slice(&fixture("ed25519-a-public.pem"));
    write(dir, "ed25519-pair", &jwk_seed(6, EDDSA, &pair));
    write(dir, "hmac-32", &jwk_seed(7, HS256, &[7u8; 32]));

    let all = RS256 | PS256 | ES256 | ES384 | EDDSA;
    let set = fixture("jwks.json");
    write(dir, "fixture-jwks", &jwk_seed(5, all, &set));
    let set: serde_json::Value = serde_json::from_slice(&set).expect("jwks.json");
    for (i, key) in set["keys"].as_array().into_iter().flatten().enumerate() {
        let jwk = serde_json::to_vec(key).expect("JSON");
        write(dir, &format!("fixture-jwk-{i}"), &jwk_seed(4, all, &jwk));
    }
    write(
        dir,
        "rsa1024-jwk",
        &jwk_seed(4, RS256, &fixture("rsa1024.jwk.json")),
    );

    let Some(wycheproof) = wycheproof else {
        return;
    };
    let Ok(file) = fs::read(wycheproof.join("json_web_key_test.json")) else {
        eprintln!(
            "no json_web_key_test.json in {}: skipped",
            wycheproof.display()
        );
        return;
    };
    let file: serde_json::Value = serde_json::from_slice(&file).expect("JSON");
    let all = all | HS256;
    for (i, group) in file["testGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for side in ["public", "private"] {
            if group[side].is_object() {
                let set = serde_json::to_vec(&group[side]).expect("JSON");
                write(
                    dir,
                    &format!("wycheproof-{i}-{side}"),
                    &jwk_seed(5, all, &set),
                );
            }
        }
    }
}

fn bodies_seeds(dir: &Path) {
    let seeds: [(&str, u8, &[u8]); 10] = [
        ("json", 0x00, br#"{"refresh_token":"@RT@"}"#),
        ("json-access", 0x00, br#"{"refresh_token":"@AT@"}"#),
        ("json-store-down", 0x08, br#"{"refresh_token":"@RT@"}"#),
        ("form", 0x01, b"grant_type=refresh_token&refresh_token=@RT@"),
        ("form-charset", 0x02, b"refresh_token=@RT@"),
        (
            "form-other-grant",
            0x01,
            b"grant_type=password&refresh_token=@RT@",
        ),
        ("cookie", 0x13, b""),
        (
            "cookie-and-json",
            0x10,
            br#"{"refresh_token":"@AT@","grant_type":null}"#,
        ),
        (
            "password",
            0x21,
            b"grant_type=password&username=alice&password=s3cret&scope=read%20write",
        ),
        (
            "password-json",
            0x20,
            br#"{"grant_type":"password","username":"a","password":"b"}"#,
        ),
    ];
    for (name, flags, body) in seeds {
        let mut seed = vec![flags];
        seed.extend_from_slice(body);
        write(dir, name, &seed);
    }
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let wycheproof = std::env::args_os().nth(1).map(PathBuf::from);
    for target in ["verify", "jwk", "bodies"] {
        let _ = fs::remove_dir_all(root.join(target));
    }
    verify_seeds(&root.join("verify"));
    jwk_seeds(&root.join("jwk"), wycheproof.as_deref());
    bodies_seeds(&root.join("bodies"));
    println!("seeds written to {}", root.display());
}
