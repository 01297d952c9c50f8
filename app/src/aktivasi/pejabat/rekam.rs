//! "+ Rekam": the form of a new pejabat reference, validated here and again on the server.

use crate::sistem::error::AppError;
use crate::sistem::komponen::Modal;
use domain::Jabatan;
use domain::pejabat::RekamOptions;
use domain::validate::{self, FieldErrors, PejabatContext, PejabatInput};
use leptos::prelude::*;

#[server(endpoint = "pejabat_pilihan")]
pub async fn pejabat_pilihan() -> Result<RekamOptions, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::pejabat::rekam_options(&state.pool, &caller, state.clock.now()).await?)
}

#[server(endpoint = "pejabat_rekam")]
pub async fn pejabat_rekam(input: PejabatInput) -> Result<domain::PejabatId, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::aktivasi::pejabat::rekam(&state.pool, &caller, &input, state.clock.now()).await?)
}

/// The same checks the server makes, run before sending.
fn check(input: &PejabatInput, opts: &RekamOptions) -> FieldErrors {
    match validate::pejabat(input, opts.hari_ini) {
        Err(fields) => fields,
        Ok(new) => {
            let jabatan = new.jabatan;
            let username = opts
                .users
                .iter()
                .filter(|u| u.nip == new.nip)
                .map(|u| u.username.as_str())
                .min_by_key(|u| validate::prefix_fits(jabatan, u).is_err());
            validate::pejabat_in_context(
                &new,
                &PejabatContext { username_for_nip: username, kppn_mitra: &opts.kppn_kode },
            )
        }
    }
}

type Accessor = fn(&mut PejabatInput) -> &mut String;

/// One labelled input bound to a field of the form, with its error message.
#[component]
fn Field(
    form: RwSignal<PejabatInput>,
    errors: RwSignal<FieldErrors>,
    name: &'static str,
    label: &'static str,
    field: Accessor,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("e-{name}");
    let error = move || errors.with(|e| e.get(name).map(str::to_owned));
    // dates are typed day first on every browser (a native date input follows the browser's
    // locale, `mm/dd/yyyy` on an English one); validate::date reads them
    let (kind, inputmode, hint) =
        if kind == "date" { ("text", "numeric", crate::TANGGAL_HINT) } else { (kind, "", hint) };
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            <input id=id type=kind name=name autocomplete=autocomplete placeholder=hint inputmode=inputmode
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=err_id.clone()
                prop:value=move || form.with(|f| field(&mut f.clone()).clone())
                on:input=move |ev| form.update(|f| *field(f) = event_target_value(&ev))/>
            <p class="field-error" id=err_id aria-live="polite">{error}</p>
        </div>
    }
}

#[component]
pub fn RekamDialog(
    on_close: impl Fn() + Clone + Send + Sync + 'static,
    on_saved: impl Fn(String) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let options = Resource::new(|| (), |_| pejabat_pilihan());
    let on_close_inner = on_close.clone();
    view! {
        <Modal title="Rekam Referensi Pejabat" on_close=on_close>
            <Suspense fallback=|| view! { <p class="loading">"Memuat pilihan…"</p> }>
                {
                    let on_close = on_close_inner.clone();
                    let on_saved = on_saved.clone();
                    move || {
                        let on_close = on_close.clone();
                        let on_saved = on_saved.clone();
                        options.get().map(move |r| match r {
                            Ok(opts) => view! { <RekamForm opts on_close on_saved/> }.into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        })
                    }
                }
            </Suspense>
        </Modal>
    }
}

#[component]
fn RekamForm(
    opts: RekamOptions,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
    on_saved: impl Fn(String) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let form = RwSignal::new(PejabatInput { kppn_kode: opts.kppn_kode.clone(), ..PejabatInput::default() });
    let errors = RwSignal::new(FieldErrors::default());
    let failure = RwSignal::new(None::<String>);
    let save = Action::new(|input: &PejabatInput| pejabat_rekam(input.clone()));
    let opts = StoredValue::new(opts);

    Effect::new(move |_| {
        if let Some(result) = save.value().get() {
            match result {
                Ok(_) => on_saved(form.with_untracked(|f| f.nama.trim().to_owned())),
                Err(AppError::Invalid(fields)) => {
                    errors.set(fields);
                    failure.set(Some("Periksa kembali isian yang ditandai.".into()));
                }
                Err(e) => failure.set(Some(e.to_string())),
            }
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = form.get_untracked();
        let found = opts.with_value(|o| check(&input, o));
        failure.set(None);
        if found.is_empty() {
            errors.set(FieldErrors::default());
            save.dispatch(input);
        } else {
            errors.set(found);
            failure.set(Some("Periksa kembali isian yang ditandai.".into()));
        }
    };
    let select_error = move |name: &'static str| move || errors.with(|e| e.get(name).map(str::to_owned));
    let (satker, kppn) = opts
        .with_value(|o| (format!("{} {}", o.satker_kode, o.satker_nama), format!("{} {}", o.kppn_kode, o.kppn_nama)));
    let kppn_kode = opts.with_value(|o| o.kppn_kode.clone());

    view! {
        <form class="rekam" on:submit=submit novalidate>
            <p class="muted">"Satuan Kerja " <strong>{satker}</strong></p>
            <fieldset>
                <legend>"Data Pribadi"</legend>
                <div class="field" class:invalid=move || select_error("nip")().is_some()>
                    <label for="f-nip">"NIP/NRP (user SAKTI)"</label>
                    <select id="f-nip" name="nip" aria-describedby="e-nip"
                        aria-invalid=move || select_error("nip")().is_some().to_string()
                        on:change=move |ev| {
                            let nip = event_target_value(&ev);
                            let nama = opts.with_value(|o| o.users.iter().find(|u| u.nip == nip).map(|u| u.nama.clone()));
                            form.update(|f| {
                                if f.nama.trim().is_empty()
                                    && let Some(n) = nama
                                {
                                    f.nama = n;
                                }
                                f.nip = nip;
                            });
                        }>
                        <option value="">"— pilih user SAKTI —"</option>
                        {opts.with_value(|o| o.users.iter().map(|u| view! {
                            <option value=u.nip.clone()>{format!("{} — {} ({})", u.nip, u.nama, u.username)}</option>
                        }).collect_view())}
                    </select>
                    <p class="field-error" id="e-nip" aria-live="polite">{select_error("nip")}</p>
                </div>
                <Field form errors name="nama" label="Nama" field=|f| &mut f.nama autocomplete="name"/>
                <Field form errors name="tempat_lahir" label="Tempat Lahir" field=|f| &mut f.tempat_lahir/>
                <Field form errors name="tanggal_lahir" label="Tanggal Lahir" field=|f| &mut f.tanggal_lahir kind="date"/>
                <Field form errors name="email" label="Email" field=|f| &mut f.email kind="email" autocomplete="email"/>
                <Field form errors name="no_hp" label="Nomor HP (penerima OTP)" field=|f| &mut f.no_hp kind="tel"
                    autocomplete="tel" hint="0812 3456 7890"/>
            </fieldset>
            <fieldset>
                <legend>"Tempat Tinggal"</legend>
                <Field form errors name="alamat_domisili" label="Alamat Tempat Tinggal" field=|f| &mut f.alamat_domisili/>
                <Field form errors name="alamat_ktp" label="Alamat Sesuai KTP" field=|f| &mut f.alamat_ktp/>
            </fieldset>
            <fieldset>
                <legend>"SK Pejabat"</legend>
                <Field form errors name="nomor_sk" label="Nomor SK" field=|f| &mut f.nomor_sk/>
                <Field form errors name="tanggal_sk" label="Tanggal SK" field=|f| &mut f.tanggal_sk kind="date"/>
                <div class="field" class:invalid=move || select_error("jabatan")().is_some()>
                    <label for="f-jabatan">"Jabatan"</label>
                    <select id="f-jabatan" name="jabatan" aria-describedby="e-jabatan"
                        aria-invalid=move || select_error("jabatan")().is_some().to_string()
                        on:change=move |ev| form.update(|f| f.jabatan = event_target_value(&ev))>
                        <option value="">"— pilih jabatan —"</option>
                        {Jabatan::ALL.into_iter().map(|j| view! { <option value=j.label()>{j.label()}</option> }).collect_view()}
                    </select>
                    <p class="field-error" id="e-jabatan" aria-live="polite">{select_error("jabatan")}</p>
                </div>
                <div class="field" class:invalid=move || select_error("kppn_kode")().is_some()>
                    <label for="f-kppn">"KPPN"</label>
                    <select id="f-kppn" name="kppn_kode" aria-describedby="e-kppn_kode"
                        on:change=move |ev| form.update(|f| f.kppn_kode = event_target_value(&ev))>
                        <option value=kppn_kode selected>{kppn}</option>
                    </select>
                    <p class="field-error" id="e-kppn_kode" aria-live="polite">{select_error("kppn_kode")}</p>
                </div>
            </fieldset>
            <Show when=move || failure.with(Option::is_some)>
                <p class="error" role="alert">{move || failure.get()}</p>
            </Show>
            <div class="actions">
                <button type="button" on:click={
                    let on_close = on_close.clone();
                    move |_| on_close()
                }>"Batal"</button>
                <button type="submit" class="primary" disabled=move || save.pending().get() aria-busy=move || save.pending().get().to_string()>
                    {move || if save.pending().get() { "Menyimpan…" } else { "Simpan" }}
                </button>
            </div>
        </form>
    }
}
