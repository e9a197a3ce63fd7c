//! Every request to the fleet server, guarded: the target token goes only to the configured
//! server's own origin (scheme, host and port), which is HTTPS (plain HTTP only on loopback, for
//! tests); an artifact may come from another origin only when the configuration lists it (a CDN),
//! and then without the token; no redirect is followed. Each answer is read in chunks up to a hard
//! cap and within one overall deadline per request, so a huge or trickling answer costs at most
//! the cap in memory and the deadline in time.

use std::time::Duration;

use serde_json::Value;

use super::FleetError;

/// How much one request may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest DDI (JSON) answer read.
    pub json_cap: usize,
    /// The whole of one DDI request: connecting, sending, the answer read to its end.
    pub json_deadline: Duration,
    /// The whole of one bundle's download.
    pub download_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            json_cap: 1 << 20,
            json_deadline: Duration::from_secs(60),
            // A 1 GiB bundle at 128 KiB/s; every read must also make progress within 60 s.
            download_deadline: Duration::from_secs(8 * 3600),
        }
    }
}

/// Scheme, host and port: whom a URL talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// Whether a host name is this machine (plain HTTP is allowed there only, for tests).
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Origin {
    /// The origin of an absolute http(s) URL without user information; plain HTTP only to
    /// loopback.
    pub fn of(url: &str) -> Result<Origin, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("a link with user information is never followed".into());
        }
        let scheme = parsed.scheme().to_string();
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        if host.is_empty() {
            return Err(format!("{url:?} names no host"));
        }
        match scheme.as_str() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(format!(
                    "{scheme}://{host} is plain HTTP; only HTTPS is used"
                ))
            }
            _ => return Err(format!("{scheme}: links are never followed")),
        }
        let port = parsed.port_or_known_default().unwrap_or(0);
        Ok(Origin { scheme, host, port })
    }
}

/// Who an artifact link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whom {
    /// The fleet server: the token goes along.
    Server,
    /// A download origin the configuration lists: no token.
    Mirror,
}

/// The guarded HTTP client of one fleet server.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    server: Origin,
    mirrors: Vec<Origin>,
    token: String,
    pub limits: Limits,
}

fn http(e: reqwest::Error) -> FleetError {
    FleetError::Http(e.without_url().to_string())
}

impl Http {
    pub fn new(
        server: &str,
        token: &str,
        mirrors: &[String],
        ca_file: Option<&std::path::Path>,
    ) -> Result<Http, FleetError> {
        let server_origin = Origin::of(server).map_err(FleetError::Protocol)?;
        let mirrors = mirrors
            .iter()
            .map(|m| Origin::of(m).map_err(FleetError::Protocol))
            .collect::<Result<Vec<_>, _>>()?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // A bundle is hundreds of MiB on a slow link: every read must make progress; the
            // whole of each request has its own deadline (Limits).
            .read_timeout(Duration::from_secs(60))
            // Polls are minutes apart and servers close idle connections after seconds (uvicorn
            // 5 s): a pooled connection sent on just as the server closes it fails the poll
            // (seen in benches/fleet_scale.rs when a request came exactly 5 s after the last).
            // Kept only within a poll's few requests.
            .pool_idle_timeout(Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::none())
            .https_only(server_origin.scheme == "https")
            .user_agent(concat!("onetrip/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = ca_file {
            let pem = std::fs::read(ca)
                .map_err(|e| FleetError::Http(format!("{}: {e}", ca.display())))?;
            for cert in reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| FleetError::Http(format!("{}: {e}", ca.display())))?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        Ok(Http {
            client: builder.build().map_err(http)?,
            server: server_origin,
            mirrors,
            token: token.to_string(),
            limits: Limits::default(),
        })
    }

    /// Only the server's own origin gets the token (and DDI resources live nowhere else).
    fn at_server(&self, url: &str, what: &str) -> Result<(), FleetError> {
        let origin = Origin::of(url).map_err(|e| FleetError::Protocol(format!("{what}: {e}")))?;
        if origin == self.server {
            Ok(())
        } else {
            Err(FleetError::Protocol(format!(
                "{what} points at {origin}, not the fleet server {}; not followed",
                self.server
            )))
        }
    }

    /// Whom an artifact link points at, or why it is not followed.
    pub fn whom(&self, url: &str) -> Result<Whom, String> {
        let origin = Origin::of(url)?;
        if origin == self.server {
            Ok(Whom::Server)
        } else if self.mirrors.contains(&origin) {
            Ok(Whom::Mirror)
        } else {
            Err(format!(
                "the artifact link points at {origin}, neither the fleet server nor a download origin in the configuration; not followed"
            ))
        }
    }

    fn authorised(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.header("Authorization", format!("TargetToken {}", self.token))
    }

    /// A DDI resource as JSON: the server's origin only, at most `json_cap` bytes read, within
    /// `json_deadline`.
    pub async fn get_json(&self, url: &str, what: &str) -> Result<Value, FleetError> {
        self.at_server(url, what)?;
        let request = async {
            let resp = self
                .authorised(self.client.get(url))
                .header("Accept", "application/hal+json, application/json")
                .send()
                .await
                .map_err(http)?;
            if !resp.status().is_success() {
                return Err(FleetError::Status(resp.status().as_u16()));
            }
            let bytes = read_capped(resp, self.limits.json_cap).await?;
            serde_json::from_slice(&bytes).map_err(|e| FleetError::Protocol(e.to_string()))
        };
        self.within(self.limits.json_deadline, what, request)
            .await?
    }

    /// Sends a DDI document (feedback, configData) to the server; its answer is not read.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        url: &str,
        body: &Value,
        what: &str,
    ) -> Result<(), FleetError> {
        self.at_server(url, what)?;
        let request = async {
            let resp = self
                .authorised(self.client.request(method, url))
                .json(body)
                .send()
                .await
                .map_err(http)?;
            if resp.status().is_success() {
                Ok(())
            } else {
                Err(FleetError::Status(resp.status().as_u16()))
            }
        };
        self.within(self.limits.json_deadline, what, request)
            .await?
    }

    /// Starts an artifact's download (the caller reads it within `download_deadline`): the
    /// token only to the server.
    pub async fn get_artifact(&self, url: &str) -> Result<reqwest::Response, String> {
        let req = match self.whom(url)? {
            Whom::Server => self.authorised(self.client.get(url)),
            Whom::Mirror => self.client.get(url),
        };
        let resp = req
            .send()
            .await
            .map_err(|e| format!("download: {}", http(e)))?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(format!(
                "download: server answered {}",
                resp.status().as_u16()
            ))
        }
    }

    async fn within<T>(
        &self,
        deadline: Duration,
        what: &str,
        work: impl std::future::Future<Output = T>,
    ) -> Result<T, FleetError> {
        tokio::time::timeout(deadline, work).await.map_err(|_| {
            FleetError::Http(format!(
                "{what}: no complete answer within {} s",
                deadline.as_secs_f32()
            ))
        })
    }
}

/// Reads an answer chunk by chunk, refusing it before more than `cap` bytes are held.
async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, FleetError> {
    let too_large = || FleetError::Protocol(format!("answer larger than {cap} bytes"));
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(http)? {
        if body.len() + chunk.len() > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_origin_is_scheme_host_and_port_and_plain_http_only_on_loopback() {
        let o = |u: &str| Origin::of(u);
        assert_eq!(
            o("https://Fleet.example.invalid/DEFAULT").unwrap(),
            o("https://fleet.example.invalid:443/x/y").unwrap()
        );
        assert_ne!(
            o("https://fleet.example.invalid/").unwrap(),
            o("https://fleet.example.invalid:8443/").unwrap()
        );
        assert!(o("http://fleet.example.invalid/").is_err());
        assert!(o("http://127.0.0.1:8080/").is_ok());
        assert!(o("http://[::1]:8080/").is_ok());
        assert!(o("https://user:pw@fleet.example.invalid/").is_err());
        assert!(o("ftp://fleet.example.invalid/").is_err());
        // The same host over HTTP is another origin than over HTTPS.
        assert_ne!(
            o("https://127.0.0.1:8443/").unwrap(),
            o("http://127.0.0.1:8443/").unwrap()
        );
    }
}
