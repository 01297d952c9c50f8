//! The browser's half of a passkey ceremony: the server's options (`{"publicKey": …}`) in,
//! `credential.toJSON()` out, through `PublicKeyCredential.parse…OptionsFromJSON` and
//! `navigator.credentials.create/get`. No JavaScript file of its own (the page's CSP allows
//! only the app's scripts): the calls go through `js_sys::Reflect`.

/// Why a ceremony did not complete, in words for the page.
const GAGAL: &str = "Passkey tidak berhasil (dibatalkan, waktu habis, atau perangkat tidak mendukung). Coba lagi atau pakai aplikasi autentikator.";

/// Registers a new passkey with the server's creation options.
pub async fn create(options: &str) -> Result<String, String> {
    ceremony(options, "parseCreationOptionsFromJSON", "create").await
}

/// Signs in with a passkey, with the server's request options.
pub async fn get(options: &str) -> Result<String, String> {
    ceremony(options, "parseRequestOptionsFromJSON", "get").await
}

#[cfg(feature = "hydrate")]
async fn ceremony(options: &str, parse: &str, call: &str) -> Result<String, String> {
    use js_sys::{Function, JSON, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let step = || -> Result<Promise, JsValue> {
        let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
        let class = Reflect::get(&window, &"PublicKeyCredential".into())?;
        let parse: Function = Reflect::get(&class, &parse.into())?.dyn_into()?;
        let given = JSON::parse(options)?;
        let public_key = parse.call1(&class, &Reflect::get(&given, &"publicKey".into())?)?;
        let arg = Object::new();
        Reflect::set(&arg, &"publicKey".into(), &public_key)?;
        let credentials = Reflect::get(&Reflect::get(&window, &"navigator".into())?, &"credentials".into())?;
        let call: Function = Reflect::get(&credentials, &call.into())?.dyn_into()?;
        call.call1(&credentials, &arg)?.dyn_into()
    };
    let promise = step().map_err(|e| {
        leptos::logging::warn!("passkey: {e:?}");
        GAGAL.to_string()
    })?;
    let credential = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|e| {
        leptos::logging::warn!("passkey: {e:?}");
        GAGAL.to_string()
    })?;
    let to_json: Function =
        Reflect::get(&credential, &"toJSON".into()).and_then(|f| f.dyn_into()).map_err(|_| GAGAL.to_string())?;
    let value = to_json.call0(&credential).map_err(|_| GAGAL.to_string())?;
    JSON::stringify(&value).ok().and_then(|s| s.as_string()).ok_or_else(|| GAGAL.to_string())
}

#[cfg(not(feature = "hydrate"))]
async fn ceremony(_options: &str, _parse: &str, _call: &str) -> Result<String, String> {
    Err(GAGAL.to_string())
}
