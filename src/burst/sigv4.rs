//! SigV4 signing for endpoints behind IAM auth (a function URL with `AWS_IAM`), with
//! credentials from the standard chain (environment, profiles, SSO, process, IMDS).
//!
//! Signed headers go into the pre-serialized request; a signature is reused for at most
//! a minute (AWS accepts five minutes of clock skew), then the request is signed again.
//! The signature and credentials never leave the request: they are not in events,
//! recordings or logs.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials as _;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_http_client::tls;

use super::target::{RequestSpec, Target};

/// How long one signature is reused.
const RESIGN_AFTER: Duration = Duration::from_secs(60);

pub struct Signer {
    credentials: Credentials,
    region: String,
    service: String,
    cached: Mutex<Option<(Instant, std::sync::Arc<[u8]>)>>,
}

/// The Region of a function URL host: `<id>.lambda-url.<region>.on.aws`.
pub fn region_from_host(host: &str) -> Option<String> {
    let rest = host.split_once(".lambda-url.")?.1;
    let region = rest.strip_suffix(".on.aws")?;
    (!region.is_empty() && !region.contains('.')).then(|| region.to_string())
}

/// What the standard AWS chain is asked for beyond its own sources.
#[derive(Debug, Clone)]
pub struct Chain {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Load credentials too (a Region alone needs none).
    pub credentials: bool,
}

impl Default for Chain {
    fn default() -> Self {
        Self {
            profile: None,
            region: None,
            endpoint_url: None,
            credentials: true,
        }
    }
}

/// The SDK configuration from the standard chain (environment, profiles, SSO, IMDS;
/// `AWS_ENDPOINT_URL` honoured), with `c`'s keys on top: the one place thaw loads it.
pub async fn chain(c: &Chain) -> aws_config::SdkConfig {
    // SSO and IMDS need an HTTPS client; rustls with ring, like the rest of thaw.
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
    if !c.credentials {
        loader = loader.no_credentials();
    }
    if let Some(p) = &c.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &c.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(u) = &c.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    loader.load().await
}

impl Signer {
    /// Loads credentials from the standard chain. The Region is `region`, else the
    /// function URL's, else the chain's (`AWS_REGION`, profile).
    pub async fn from_chain(
        target: &Target,
        region: Option<String>,
        service: &str,
    ) -> Result<Self, String> {
        let config = chain(&Chain::default()).await;
        let region = region
            .or_else(|| region_from_host(&target.host))
            .or_else(|| super::lambda::region_of(&target.host))
            .or_else(|| config.region().map(ToString::to_string))
            .ok_or_else(|| {
                "--sigv4 needs a Region: pass --region, or set AWS_REGION or a profile's region"
                    .to_string()
            })?;
        let provider = config.credentials_provider().ok_or_else(|| {
            "--sigv4 found no credentials provider; configure AWS credentials (aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID)".to_string()
        })?;
        let credentials = provider.provide_credentials().await.map_err(|e| {
            format!("--sigv4 could not load AWS credentials ({e}); configure them with aws configure, AWS_PROFILE or AWS_ACCESS_KEY_ID")
        })?;
        Ok(Self {
            credentials,
            region,
            service: service.to_string(),
            cached: Mutex::new(None),
        })
    }

    /// For an endpoint on this machine (the emulator takes any credentials) when the
    /// standard chain has none: placeholder credentials, so a first try needs no set-up.
    pub fn local(region: &str, service: &str) -> Self {
        Self {
            credentials: Credentials::new("thaw-local", "thaw-local", None, None, "thaw"),
            region: region.to_string(),
            service: service.to_string(),
            cached: Mutex::new(None),
        }
    }

    /// The same credentials, Region and service, with no signature kept: for a request
    /// of its own (another payload).
    #[must_use]
    pub fn fresh(&self) -> Self {
        Self {
            credentials: self.credentials.clone(),
            region: self.region.clone(),
            service: self.service.clone(),
            cached: Mutex::new(None),
        }
    }

    /// The Region the standard chain names (`AWS_REGION`, the profile), if any.
    pub async fn chain_region() -> Option<String> {
        let config = chain(&Chain {
            credentials: false,
            ..Chain::default()
        })
        .await;
        config.region().map(ToString::to_string)
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// The signed headers for `spec` sent to `target` at `time`.
    pub fn headers(
        &self,
        target: &Target,
        spec: &RequestSpec,
        time: SystemTime,
    ) -> Result<Vec<(String, String)>, String> {
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into();
        let scheme = if target.tls { "https" } else { "http" };
        let url = format!("{scheme}://{}{}", target.authority(), target.path);
        let host = target.authority();
        let headers = std::iter::once(("host", host.as_str()))
            .chain(spec.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let signable =
            SignableRequest::new(&spec.method, &url, headers, SignableBody::Bytes(&spec.body))
                .map_err(|e| format!("cannot sign the request: {e}"))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| format!("cannot sign the request: {e}"))?
            .into_parts();
        let (headers, _) = instructions.into_parts();
        Ok(headers
            .into_iter()
            .map(|h| (h.name().to_string(), h.value().to_string()))
            .collect())
    }

    /// The request's bytes, signed within the last minute.
    pub fn request_bytes(
        &self,
        target: &Target,
        spec: &RequestSpec,
    ) -> Result<std::sync::Arc<[u8]>, String> {
        let mut cached = self
            .cached
            .lock()
            .map_err(|_| "signing state poisoned".to_string())?;
        if let Some((at, bytes)) = cached.as_ref()
            && at.elapsed() < RESIGN_AFTER
        {
            return Ok(bytes.clone());
        }
        let mut signed = spec.clone();
        signed
            .headers
            .extend(self.headers(target, spec, SystemTime::now())?);
        let bytes: std::sync::Arc<[u8]> = signed.to_bytes(target).into();
        *cached = Some((Instant::now(), bytes.clone()));
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_of_function_url_hosts() {
        assert_eq!(
            region_from_host("abcdefg.lambda-url.eu-west-1.on.aws").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(region_from_host("example.com"), None);
        assert_eq!(region_from_host("x.lambda-url..on.aws"), None);
    }

    #[test]
    fn signs_with_the_credentials_region_and_service() {
        let signer = Signer {
            credentials: Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                Some("token".into()),
                None,
                "test",
            ),
            region: "us-east-1".into(),
            service: "lambda".into(),
            cached: Mutex::new(None),
        };
        let target = Target::parse("https://abc.lambda-url.us-east-1.on.aws/hello?x=1").unwrap();
        let headers = signer
            .headers(
                &target,
                &RequestSpec::default(),
                SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000),
            )
            .unwrap();
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        let auth = get("authorization").unwrap();
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260921/us-east-1/lambda/aws4_request"
            ),
            "{auth}"
        );
        assert!(
            auth.contains("SignedHeaders=host;x-amz-date;x-amz-security-token"),
            "{auth}"
        );
        assert_eq!(get("x-amz-date"), Some("20260921T141320Z"));
        assert_eq!(get("x-amz-security-token"), Some("token"));
    }
}
