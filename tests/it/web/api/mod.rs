//! JSON API tests on both backends: a bearer token or the session cookie, JSON in and out.

mod admin;
mod applications;
mod auth;
mod cli;
mod contract;
mod firms;
mod matrix;
mod openapi;

use super::{read, read_bytes, Resp, TestApp};
use crate::common::TestDb;
use peiyu::app::{accounts::tokens, Principal};
use serde_json::Value;

/// A token acting as `username`, created as the system.
pub fn token_for(db: &TestDb, username: &str) -> String {
    tokens::create_token(&mut db.conn(), username, "test", &Principal::system())
        .unwrap()
        .token
}

impl Resp {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    /// `error.code` of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

impl TestApp {
    /// A request with a method, optional bearer token, extra headers and a JSON body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Resp {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        macro_rules! with_headers {
            ($req:expr) => {{
                let mut r = $req;
                if let Some(a) = &auth {
                    r = r.header("authorization", a.as_str());
                }
                for (k, v) in headers {
                    r = r.header(*k, *v);
                }
                r
            }};
        }
        let res = match method {
            "GET" => with_headers!(self.agent.get(&url)).call(),
            "DELETE" => with_headers!(self.agent.delete(&url)).call(),
            m => {
                let r = match m {
                    "POST" => self.agent.post(&url),
                    "PUT" => self.agent.put(&url),
                    "PATCH" => self.agent.patch(&url),
                    other => panic!("method {other}"),
                };
                with_headers!(r)
                    .header("content-type", "application/json")
                    .send(body.unwrap_or(""))
            }
        };
        read(res.unwrap())
    }

    /// GET with a bearer token.
    pub fn api_get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), &[], None)
    }

    /// A write with a bearer token and a JSON body.
    pub fn api_send(&self, method: &str, path: &str, token: &str, body: &Value) -> Resp {
        self.call(method, path, Some(token), &[], Some(&body.to_string()))
    }

    /// `POST path` with a bearer token and `bytes` as the raw body (an upload).
    pub fn api_upload(&self, path: &str, token: &str, bytes: &[u8]) -> Resp {
        read(
            self.agent
                .post(format!("{}{path}", self.base))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/octet-stream")
                .send(bytes)
                .unwrap(),
        )
    }

    /// `GET path` with a bearer token, the body as bytes: status, headers, body.
    pub fn api_get_bytes(&self, path: &str, token: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
        read_bytes(
            self.agent
                .get(format!("{}{path}", self.base))
                .header("authorization", format!("Bearer {token}"))
                .call()
                .unwrap(),
        )
    }
}
