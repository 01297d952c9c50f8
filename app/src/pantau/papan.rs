//! `/pantau`: the progress board of the CSO's KPPN, a Kanwil's region or the whole country
//! (Pusat): the funnel of stages, a table one level down to drill into, the satkers stuck too
//! long, the pace against the deadline, activations per day, and one satker's pejabat. Charts
//! are SVG drawn here, each with its numbers as a table; the table downloads as CSV; live.

use crate::akses::layout::logged_in;
use crate::sistem::error::AppError;
use domain::authz::{Action, role_may};
use domain::pantau::{Baris, Fase, Lingkup, PantauQuery, Papan, Proyeksi};
use leptos::prelude::*;

#[server(endpoint = "pantau_papan")]
pub async fn pantau_papan(query: PantauQuery) -> Result<Papan, AppError> {
    let (state, caller) = crate::sistem::ssr::caller().await?;
    Ok(backend::pantau::papan(&state.pool, &caller, query.lingkup(), state.pantau, state.clock.now()).await?)
}

#[component]
pub fn PantauPage() -> impl IntoView {
    logged_in(|me| {
        if role_may(me.role, Action::Pantau) {
            view! { <PantauView/> }.into_any()
        } else {
            view! { <p class="error" role="alert">"Papan pemantauan untuk CSO KPPN, Kanwil dan Kantor Pusat."</p> }
                .into_any()
        }
    })
}

/// Changes announced more often than this are read together: a national board hears of every
/// satker's step.
const REREAD: std::time::Duration = std::time::Duration::from_secs(5);

#[component]
fn PantauView() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let q = move || {
        query.with(|m| PantauQuery {
            kanwil: m.get("kanwil").unwrap_or_default(),
            kppn: m.get("kppn").unwrap_or_default(),
            satker: m.get("satker").unwrap_or_default(),
        })
    };
    let heard = RwSignal::new(0u32);
    let read = RwSignal::new(0u32);
    crate::sistem::live::refresh_on_change(heard);
    crate::sistem::live::every(REREAD, move || {
        if heard.get_untracked() != read.get_untracked() {
            read.set(heard.get_untracked());
        }
    });
    let board = Resource::new(move || (q(), read.get()), |(q, _)| pantau_papan(q));
    view! {
        <h1>"Pantau Aktivasi"</h1>
        <crate::berikut::LangkahBerikut tick=read/>
        <Transition fallback=|| view! { <p class="loading">"Memuat…"</p> }>
            {move || board.get().map(|r| match r {
                Ok(papan) => view! { <Board papan/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

fn href(l: &Lingkup) -> String {
    format!("/pantau{}", l.query())
}

fn tanggal(d: chrono::NaiveDate) -> String {
    domain::format::tanggal(d)
}

fn sejak(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(|t| tanggal(domain::pantau::tanggal_wib(t))).unwrap_or_else(|| "—".into())
}

#[component]
fn Board(papan: Papan) -> impl IntoView {
    let csv = format!("/api/pantau.csv{}", papan.lingkup.query());
    let last = papan.jejak.len().saturating_sub(1);
    let jejak = papan
        .jejak
        .iter()
        .enumerate()
        .map(|(i, (l, nama))| {
            if i == last {
                view! { <li aria-current="page">{nama.clone()}</li> }.into_any()
            } else {
                view! { <li><a href=href(l)>{nama.clone()}</a></li> }.into_any()
            }
        })
        .collect_view();
    let h = papan.hitungan;
    let satker_level = papan.baris.iter().any(|b| b.tahap.is_some());
    let leaf = matches!(papan.lingkup, Lingkup::Satker(_));
    view! {
        <nav aria-label="Jejak wilayah"><ol class="jejak">{jejak}</ol></nav>
        <Ringkasan proyeksi=papan.proyeksi.clone() macet=papan.macet_total/>
        <div class="pantau-grid">
            <Corong hitungan=h/>
            <PerHari data=papan.aktivasi_per_hari.clone()/>
        </div>
        {(!leaf).then(|| view! {
            <section aria-labelledby="rincian">
                <div class="section-head">
                    <h2 id="rincian">{if satker_level { "Satker" } else { "Rincian" }}</h2>
                    <a class="button" href=csv.clone() download="pantau-aktivasi.csv">"Unduh CSV"</a>
                </div>
                {if satker_level {
                    view! { <TabelSatker baris=papan.baris.clone()/> }.into_any()
                } else {
                    view! { <TabelHitungan baris=papan.baris.clone()/> }.into_any()
                }}
            </section>
        })}
        {leaf.then(|| view! { <TabelPejabat papan=papan.clone()/> })}
        <Macet papan=papan.clone()/>
    }
}

#[component]
fn Ringkasan(proyeksi: Proyeksi, macet: u32) -> impl IntoView {
    let p = proyeksi;
    let tenggat = match (p.tenggat, p.sisa_hari) {
        (Some(t), Some(d)) if d >= 0 => format!("{} · {d} hari lagi", tanggal(t)),
        (Some(t), Some(d)) => format!("{} · lewat {} hari", tanggal(t), -d),
        _ => "belum ditetapkan".into(),
    };
    let perkiraan = match p.perkiraan_selesai {
        Some(d) if p.selesai == p.total => format!("selesai ({})", tanggal(d)),
        Some(d) => tanggal(d),
        None => "belum dapat diperkirakan (tidak ada yang selesai dalam 14 hari terakhir)".into(),
    };
    let perlu = p.perlu_per_hari.map(|n| format!("{} satker/hari", domain::format::desimal(n)));
    let on_time = p.tepat_waktu();
    let stuck = macet > 0;
    view! {
        <dl class="ringkasan" aria-label="Ringkasan">
            <div><dt>"Satker selesai"</dt><dd>{format!("{} dari {}", p.selesai, p.total)}</dd></div>
            <div><dt>"Tenggat"</dt><dd>{tenggat}</dd></div>
            <div><dt>"Laju 14 hari terakhir"</dt><dd>{format!("{} satker/hari", domain::format::desimal(p.laju_per_hari))}</dd></div>
            <div class:warn=on_time == Some(false)>
                <dt>"Perkiraan selesai"</dt>
                <dd>{perkiraan}{(on_time == Some(false)).then_some(" — melewati tenggat")}</dd>
            </div>
            {perlu.map(|perlu| view! { <div><dt>"Perlu untuk tenggat"</dt><dd>{perlu}</dd></div> })}
            <div class:warn=stuck><dt>"Macet"</dt><dd>{format!("{macet} satker")}</dd></div>
        </dl>
    }
}

/// The funnel: satkers that reached each stage, as bars and as a table.
#[component]
fn Corong(hitungan: domain::pantau::Hitungan) -> impl IntoView {
    let total = hitungan.total().max(1);
    let stages: Vec<Fase> = Fase::ALL.into_iter().skip(1).collect();
    let rows = stages.len() as f64;
    let bars = stages
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let n = hitungan.sampai(*t);
            let w = 300.0 * f64::from(n) / f64::from(total);
            let y = i as f64 * 28.0;
            let teks = format!("{} · {n}", t.label());
            let (x, dalam) = domain::pantau::letak_label(w, &teks);
            view! {
                <g>
                    <rect x="0" y=y width=w.max(0.5) height="22" class="bar"/>
                    <text x=x y=y + 15.0 class="bar-label" class:luar=!dalam>{teks}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" aria-labelledby="corong">
            <figcaption id="corong">"Corong tahapan (satker yang telah mencapai)"</figcaption>
            <svg viewBox=format!("0 0 300 {}", rows * 28.0) role="presentation" aria-hidden="true">{bars}</svg>
            <table class="mini">
                <thead><tr><th scope="col">"Tahap"</th><th scope="col">"Mencapai"</th><th scope="col">"Sedang di tahap ini"</th></tr></thead>
                <tbody>
                    {Fase::ALL.into_iter().map(|t| view! {
                        <tr><th scope="row">{t.label()}</th><td>{hitungan.sampai(t)}</td><td>{hitungan.di(t)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </figure>
    }
}

/// Pejabat activated per day, as bars and (folded) as a table.
#[component]
fn PerHari(data: Vec<(chrono::NaiveDate, u32)>) -> impl IntoView {
    let values: Vec<u32> = data.iter().map(|(_, n)| *n).collect();
    let total: u32 = values.iter().sum();
    let bars = domain::pantau::batang(&values, 300.0, 100.0)
        .into_iter()
        .zip(&data)
        .map(|(b, (d, n))| {
            view! {
                <rect x=b.x y=b.y width=b.lebar height=b.tinggi.max(0.5) class="bar">
                    <title>{format!("{}: {n}", tanggal(*d))}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" aria-labelledby="per-hari">
            <figcaption id="per-hari">{format!("Pejabat diaktifkan per hari, 30 hari terakhir: {total}")}</figcaption>
            <svg viewBox="0 0 300 100" preserveAspectRatio="none" role="presentation" aria-hidden="true">{bars}</svg>
            <details>
                <summary>"Angka per hari"</summary>
                <table class="mini">
                    <thead><tr><th scope="col">"Tanggal"</th><th scope="col">"Diaktifkan"</th></tr></thead>
                    <tbody>
                        {data.iter().map(|(d, n)| view! { <tr><th scope="row">{tanggal(*d)}</th><td>{*n}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

/// A table of the board: its name for screen readers, its column heads, its rows.
#[component]
fn Tabel(label: &'static str, head: Vec<&'static str>, children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="pantau" aria-label=label>
                <thead><tr>{head.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr></thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// Regions or KPPN with their satkers at each stage.
#[component]
fn TabelHitungan(baris: Vec<Baris>) -> impl IntoView {
    let head = std::iter::once("Unit").chain(Fase::ALL.map(Fase::label)).chain(["Jumlah"]).collect();
    view! {
        <Tabel label="Rincian per unit" head>
                    {baris.into_iter().map(|b| {
                        let drill = !matches!(b.lingkup, Lingkup::Nasional);
                        let name = format!("{} {}", b.kode, b.nama);
                        view! { <tr>
                            <th scope="row">{if drill {
                                view! { <a href=href(&b.lingkup)>{name}</a> }.into_any()
                            } else {
                                view! { <span>{name}</span> }.into_any()
                            }}</th>
                            {Fase::ALL.into_iter().map(|t| view! { <td>{b.hitungan.di(t)}</td> }).collect_view()}
                            <td>{b.hitungan.total()}</td>
                        </tr> }
                    }).collect_view()}
        </Tabel>
    }
}

/// A KPPN's satkers with their stage.
#[component]
fn TabelSatker(baris: Vec<Baris>) -> impl IntoView {
    view! {
        <Tabel label="Satker dan tahapnya" head=vec!["Satker", "Tahap", "Sejak"]>
                    {baris.into_iter().map(|b| {
                        let (tahap, since) = b.tahap.unwrap_or((Fase::Belum, None));
                        view! { <tr data-tahap=tahap.code()>
                            <th scope="row"><a href=href(&b.lingkup)>{format!("{} {}", b.kode, b.nama)}</a></th>
                            <td>{tahap.label()}</td>
                            <td>{sejak(since)}</td>
                        </tr> }
                    }).collect_view()}
        </Tabel>
    }
}

/// One satker's pejabat (read-only).
#[component]
fn TabelPejabat(papan: Papan) -> impl IntoView {
    let tahap = papan.baris.first().and_then(|b| b.tahap).map(|(t, s)| format!("{} sejak {}", t.label(), sejak(s)));
    view! {
        <section aria-labelledby="pejabat">
            <h2 id="pejabat">"Pejabat"</h2>
            {tahap.map(|t| view! { <p class="muted">{format!("Tahap satker: {t}")}</p> })}
            <Tabel label="Pejabat satker" head=vec!["Nama", "Jabatan", "Status", "Direkam", "Aktif"]>
                        {papan.pejabat.into_iter().map(|p| view! { <tr>
                            <th scope="row">{p.nama.clone()}</th>
                            <td>{p.jabatan.label()}</td>
                            <td>{p.status.label()}</td>
                            <td>{sejak(Some(p.direkam))}</td>
                            <td>{sejak(p.aktif)}
                                // the activation's signed evidence record, as a page
                                {p.bukti.then(|| view! {
                                    " " <a href=format!("/api/bukti/{}/pdf", p.id) download rel="external"
                                        aria-label=format!("Bukti aktivasi {}", p.nama)>"Bukti"</a>
                                })}
                            </td>
                        </tr> }).collect_view()}
            </Tabel>
        </section>
    }
}

/// Satkers stuck past the limit, the longest first.
#[component]
fn Macet(papan: Papan) -> impl IntoView {
    let head = format!("Macet lebih dari {} hari", papan.macet_hari);
    let more = (papan.macet_total as usize > papan.macet.len())
        .then(|| format!("Menampilkan {} terlama dari {} satker.", papan.macet.len(), papan.macet_total));
    view! {
        <section aria-labelledby="macet">
            <h2 id="macet">{head}</h2>
            {if papan.macet.is_empty() {
                view! { <p class="empty">"Tidak ada satker yang macet."</p> }.into_any()
            } else {
                view! {
                    {more.map(|m| view! { <p class="muted">{m}</p> })}
                    <Tabel label="Satker macet" head=vec!["Satker", "KPPN", "Tahap", "Sejak", "Hari"]>
                                {papan.macet.into_iter().map(|m| view! { <tr>
                                    <th scope="row"><a href=href(&Lingkup::Satker(m.satker_kode.clone()))>
                                        {format!("{} {}", m.satker_kode, m.satker_nama)}</a></th>
                                    <td>{m.kppn_kode}</td>
                                    <td>{m.tahap.label()}</td>
                                    <td>{sejak(Some(m.sejak))}</td>
                                    <td>{m.hari}</td>
                                </tr> }).collect_view()}
                    </Tabel>
                }.into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_stuck_satker_is_dated_in_wib_and_an_unknown_date_is_a_dash() {
        // 23:30 UTC on 30 November is already 1 December in Jakarta
        let late = chrono::Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        assert_eq!(sejak(Some(late)), tanggal(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()));
        assert_eq!(sejak(None), "—");
    }
}
