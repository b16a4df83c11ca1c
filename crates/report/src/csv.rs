//! Tables exported as CSV (the audit log, statistics, check results, the annual report): one
//! writer, so that every cell goes through [`zhanqun_core::sanitize::csv_cell`] and no exported
//! value — a title, a reason, a request id — runs as a formula in a spreadsheet.

use zhanqun_core::sanitize::csv_cell;
use zhanqun_core::{Error, Result};

/// A CSV file being written: UTF-8 with a byte-order mark (so that spreadsheet programs read the
/// Chinese as UTF-8); records may differ in length (several tables in one file).
pub struct Csv(csv::Writer<Vec<u8>>);

impl Csv {
    pub fn new() -> Self {
        Self(
            csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(vec![0xEF, 0xBB, 0xBF]),
        )
    }

    /// One record, every cell neutralised.
    pub fn row<I, S>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.0
            .write_record(cells.into_iter().map(|c| csv_cell(c.as_ref()).into_owned()))
            .map_err(|e| Error::internal(format!("csv: {e}")))
    }

    pub fn finish(self) -> Result<Vec<u8>> {
        self.0
            .into_inner()
            .map_err(|e| Error::internal(format!("csv: {e}")))
    }
}

impl Default for Csv {
    fn default() -> Self {
        Self::new()
    }
}
