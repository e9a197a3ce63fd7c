//! The simulated bench of a developer's burn-in (`onetrip burn-in` without `--config`): a card
//! reader with a deck of sample cards and a printer on pseudo-terminals, and, unless `--upstream`
//! names one, the reference upstream on loopback.
//!
//! The burn-in itself (the sessions, the drain, the figures) is the terminal's too, with its own
//! devices and a technician's test card: it is in `cli::burn_in`. Only its simulated devices are
//! here, out of the terminal's build.

use std::path::Path;

use onetrip_drivers::id_card::sim::{IdCardSim, SimCard};
use onetrip_drivers::printer::sim::PrinterSim;

use super::demo::DEMO_TOKEN;
use crate::config::Config;

/// The simulators and the temporary directory they (and, unless given, the store) live in.
pub struct SimulatedBench {
    reader: IdCardSim,
    _printer: PrinterSim,
    _dir: tempfile::TempDir,
}

impl SimulatedBench {
    /// Starts the simulators (and the reference upstream on `rt`, unless `upstream` gives a base
    /// URL and its token); returns the configuration of a terminal wired to them, its store in
    /// `data_dir` (else in the bench's directory).
    pub fn start(
        rt: &tokio::runtime::Runtime,
        data_dir: Option<&Path>,
        upstream: Option<&(String, String)>,
    ) -> anyhow::Result<(Config, SimulatedBench)> {
        let dir = tempfile::Builder::new()
            .prefix("onetrip-burn-in-")
            .tempdir()?;
        std::fs::create_dir_all(dir.path().join("dev"))?;
        let reader = IdCardSim::start(&dir.path().join("dev/id-card"), SimCard::sample_deck())?;
        let printer = PrinterSim::start(&dir.path().join("dev/printer"))?;
        let upstream = match upstream {
            Some((url, token)) => (url.clone(), token.clone()),
            None => {
                let (addr, _task) = rt.block_on(super::reference_upstream::spawn_local(
                    &dir.path().join("upstream.sqlite3"),
                    DEMO_TOKEN,
                    Default::default(),
                ))?;
                (format!("http://{addr}"), DEMO_TOKEN.to_string())
            }
        };
        let data = data_dir.map_or_else(|| dir.path().join("data"), Path::to_path_buf);
        let text = format!(
            "[terminal]\nid = \"BURNIN\"\nhall = \"老化测试\"\n[data]\ndir = \"{}\"\n\
             [devices.id_card]\npath = \"{}\"\n[devices.printer]\npath = \"{}\"\n\
             [upstream]\nbase_url = \"{}\"\ntoken = \"{}\"\nconnect_timeout_secs = 2\n\
             request_timeout_secs = 5\ntracking_url = \"https://t.invalid/{{number}}\"\n",
            data.display(),
            dir.path().join("dev/id-card").display(),
            dir.path().join("dev/printer").display(),
            upstream.0,
            upstream.1
        );
        let config = Config::parse(&text, &dir.path().join("burn-in.toml"))?;
        Ok((
            config,
            SimulatedBench {
                reader,
                _printer: printer,
                _dir: dir,
            },
        ))
    }

    /// Session `i`'s card (the deck in turn).
    pub fn tap(&self, i: usize) {
        self.reader.tap(i % self.reader.deck_labels().len());
    }

    pub fn remove(&self) {
        self.reader.remove();
    }
}
