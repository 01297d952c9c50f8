//! The gateways a message leaves through: the HTTP gateway with its JSON body template, and
//! the one type the relay holds.

use std::future::Future;

/// One message to deliver.
#[derive(Debug, Clone)]
pub struct OutMessage {
    pub id: i64,
    pub phone: String,
    pub body: String,
}

/// Where messages go. Errors are retried later, so a gateway must be idempotent per `id`.
pub trait Gateway: Send + Sync + 'static {
    fn send(&self, msg: &OutMessage) -> impl Future<Output = std::result::Result<(), String>> + Send;

    /// A remote service, skipped for [`BREAKER_SECS`] after it fails. The phone simulator is
    /// not: its failures are the demo's switch for one number or the database being away,
    /// neither an outage to route the other numbers around.
    fn remote(&self) -> bool {
        true
    }
}

/// An external SMS gateway reached over HTTP: one POST per message with a bearer token
/// and a JSON body made from a template (`{{to}}`, `{{message}}`, `{{id}}`).
#[derive(Clone)]
pub struct HttpGateway {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
    template: String,
}

/// The body sent when no template is configured.
pub const DEFAULT_BODY_TEMPLATE: &str = r#"{"to":"{{to}}","message":"{{message}}","reference":"{{id}}"}"#;

impl HttpGateway {
    pub fn new(url: String, token: Option<String>, template: Option<String>) -> std::result::Result<Self, String> {
        let template = template.unwrap_or_else(|| DEFAULT_BODY_TEMPLATE.to_owned());
        // the template must stay valid JSON once filled in
        let probe = fill(&template, &OutMessage { id: 1, phone: "+628".into(), body: "x\"y".into() });
        serde_json::from_str::<serde_json::Value>(&probe).map_err(|e| format!("template body SMS bukan JSON: {e}"))?;
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(HttpGateway { client, url, token, template })
    }

    /// The same gateway giving up on an answer after `timeout` (10 s by default): a slow
    /// gateway counts as failing, and the next one is tried.
    pub fn with_timeout(self, timeout: std::time::Duration) -> std::result::Result<Self, String> {
        let client = reqwest::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
        Ok(HttpGateway { client, ..self })
    }
}

/// The template with each placeholder replaced by the JSON-escaped value.
fn fill(template: &str, msg: &OutMessage) -> String {
    let esc = |s: &str| {
        let quoted = serde_json::Value::String(s.to_owned()).to_string();
        quoted[1..quoted.len() - 1].to_owned()
    };
    template
        .replace("{{to}}", &esc(&msg.phone))
        .replace("{{message}}", &esc(&msg.body))
        .replace("{{id}}", &msg.id.to_string())
}

impl Gateway for HttpGateway {
    async fn send(&self, msg: &OutMessage) -> std::result::Result<(), String> {
        let mut request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", format!("sakti-sms-{}", msg.id))
            .body(fill(&self.template, msg));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        // the error text never carries the message body (it may hold a code)
        let response = request.send().await.map_err(|e| format!("gateway tidak terjangkau: {}", e.without_url()))?;
        if response.status().is_success() { Ok(()) } else { Err(format!("gateway menjawab {}", response.status())) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_is_filled_with_json_escaped_values() {
        let msg = OutMessage { id: 7, phone: "+6281234567890".into(), body: "Kode \"1\"\nbaris".into() };
        let body = fill(DEFAULT_BODY_TEMPLATE, &msg);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["to"], "+6281234567890");
        assert_eq!(v["message"], "Kode \"1\"\nbaris");
        assert_eq!(v["reference"], "7");
    }

    #[test]
    fn a_template_that_is_not_json_is_refused() {
        assert!(HttpGateway::new("http://127.0.0.1:9/".into(), None, Some("{to: {{to}}".into())).is_err());
    }
}
