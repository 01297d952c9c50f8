//! `server audit …` and `server evidence …`: the trail and the evidence records, checked with
//! the server's keys but without the server.

use super::{AuditAction, EXIT_CONFIG, EXIT_DATA, with_database};
use backend::config::Config;
use backend::sistem::db;
use std::process::ExitCode;

/// `server audit …`: the keys are the server's own (the environment or the data directory),
/// never made anew here: a new key would only say that every line is forged.
/// `server evidence verify FILE`: no database, only the file and the public key.
pub(super) async fn evidence_verify(
    config: &Config,
    file: &std::path::Path,
    public_key: Option<&str>,
    checkpoint: Option<&std::path::Path>,
) -> ExitCode {
    let publik = match public_key {
        Some(k) => k.to_owned(),
        None => match backend::sistem::kunci::Kunci::muat_ada(&config.data_dir) {
            Ok(k) => k.tanda.publik(),
            Err(e) => {
                eprintln!("kunci server tidak terbaca (atau beri --public-key): {e}");
                return ExitCode::from(EXIT_CONFIG);
            }
        },
    };
    let checked = std::fs::read_to_string(file)
        .map_err(|e| format!("{}: {e}", file.display()))
        .and_then(|text| backend::aktivasi::bukti::BuktiBertanda::baca(&text))
        .and_then(|b| b.periksa(&publik));
    match checked {
        Ok(b) => {
            println!(
                "bukti sah: {} {} (NIP {}) satker {} AKTIF {}; sesi No. {} jadwal {} {} oleh {}; {}; jejak audit baris {} (urutan {}, hash {})",
                b.pejabat.jabatan,
                b.pejabat.nama,
                b.pejabat.nip,
                b.pejabat.satker_kode,
                b.aktif_pada,
                b.sesi.nomor.map_or_else(|| "-".into(), |n| n.to_string()),
                b.sesi.jadwal_id,
                b.sesi.mode,
                b.sesi.cso_nama,
                b.ceklis.ringkas(),
                b.jejak.audit_id,
                b.jejak.seq.map_or_else(|| "-".into(), |n| n.to_string()),
                b.jejak.hash.as_deref().unwrap_or("-"),
            );
            match checkpoint {
                Some(file) => evidence_position(config, &b, file, &publik).await,
                None => {
                    println!("posisi di jejak audit tidak diperiksa (pakai --checkpoint)");
                    ExitCode::SUCCESS
                }
            }
        }
        Err(e) => {
            eprintln!("bukti TIDAK sah: {e}");
            ExitCode::from(EXIT_DATA)
        }
    }
}

/// The record's place in the trail, against the checkpoints of `file` signed by `publik`.
async fn evidence_position(
    config: &Config,
    bukti: &backend::aktivasi::bukti::Bukti,
    file: &std::path::Path,
    publik: &str,
) -> ExitCode {
    let titik = match backend::audit::titik::baca(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("titik periksa tidak terbaca: {e}");
            return ExitCode::from(EXIT_DATA);
        }
    };
    let kunci = match backend::sistem::kunci::Kunci::muat_ada(&config.data_dir) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("kunci server tidak terbaca: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let checked = with_database(config, |urls| async move {
        let pool = db::connect(&urls.owner).await?;
        Ok(backend::aktivasi::bukti::periksa_posisi(&pool, bukti, &titik, publik, &kunci.audit_mac).await?)
    })
    .await;
    match checked {
        Ok(Ok(posisi)) => {
            println!("posisi di jejak audit cocok: {posisi}");
            ExitCode::SUCCESS
        }
        Ok(Err(masalah)) => {
            eprintln!("posisi di jejak audit TIDAK cocok: {masalah}");
            ExitCode::from(EXIT_DATA)
        }
        Err(e) => {
            eprintln!("gagal: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(super) async fn audit(config: &Config, action: AuditAction) -> ExitCode {
    let kunci = match backend::sistem::kunci::Kunci::muat_ada(&config.data_dir) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("kunci server tidak terbaca: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let tujuan = backend::audit::titik::Tujuan::dari_lingkungan(&config.data_dir);
    let result = match action {
        AuditAction::PublicKey => {
            println!("{}", kunci.tanda.publik());
            Ok(())
        }
        AuditAction::Checkpoint => {
            with_database(config, |urls| async move {
                let pool = db::connect(&urls.owner).await?;
                match backend::audit::titik::catat(&pool, &kunci.tanda, &tujuan, None, true, backend::now()).await? {
                    Some(t) => {
                        println!("titik periksa: baris id {} ke-{}, di {}", t.id, t.jumlah, tujuan.file.display())
                    }
                    None => println!("jejak audit kosong: tidak ada yang ditandai"),
                }
                Ok(())
            })
            .await
        }
        AuditAction::Verify { checkpoint, public_key } => {
            let titik = match checkpoint.as_deref().map(backend::audit::titik::baca).transpose() {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("titik periksa tidak terbaca: {e}");
                    return ExitCode::from(EXIT_DATA);
                }
            };
            let publik = public_key.unwrap_or_else(|| kunci.tanda.publik());
            let checked = with_database(config, |urls| async move {
                let pool = db::connect(&urls.owner).await?;
                let laporan = backend::audit::verify(&pool, &kunci.audit_mac).await?;
                let titik = match (&laporan.patah, titik) {
                    (None, Some(titik)) => {
                        Some((backend::audit::titik::periksa(&pool, &titik, &publik).await?, titik.len()))
                    }
                    _ => None,
                };
                Ok((laporan, titik))
            })
            .await;
            match checked {
                Ok((backend::audit::Laporan { patah: Some(p), baris, .. }, _)) => {
                    eprintln!(
                        "jejak audit RUSAK pada baris id {} ({} UTC, {}): {}; {baris} baris diperiksa",
                        p.id,
                        p.at.format("%Y-%m-%d %H:%M:%S"),
                        p.action,
                        p.alasan,
                    );
                    return ExitCode::from(EXIT_DATA);
                }
                Ok((_, Some((Some(masalah), _)))) => {
                    eprintln!("jejak audit RUSAK: {masalah}");
                    return ExitCode::from(EXIT_DATA);
                }
                Ok((laporan, titik)) => {
                    let lama = match laporan.sebelum_mac {
                        0 => String::new(),
                        n => format!(" ({n} baris pertama dari sebelum ada MAC)"),
                    };
                    let titik = match titik {
                        Some((_, n)) => format!("; {n} titik periksa cocok"),
                        None => "; tanpa titik periksa, ekor yang dihapus tidak terlihat (pakai --checkpoint)".into(),
                    };
                    println!("jejak audit utuh: {} baris, rantai hash dan MAC cocok{lama}{titik}", laporan.baris);
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gagal: {e}");
            ExitCode::FAILURE
        }
    }
}
