//! The national fixture's divisions: `../shared/data/divisions/areas.csv`
//! (`code,name,cityCode,provinceCode`, one county-level division a line), read by the
//! benchmarks that build one site per division.

/// A county-level division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// The six-digit division code.
    pub code: String,
    pub name: String,
}

/// Every division of an areas.csv file; lines without a six-digit code (the header) are
/// skipped.
pub fn read(path: &std::path::Path) -> std::io::Result<Vec<Area>> {
    Ok(parse(&std::fs::read_to_string(path)?))
}

fn parse(text: &str) -> Vec<Area> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ',');
            let code = parts.next()?.trim();
            let name = parts.next()?.trim().trim_matches('"');
            (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then(|| Area {
                code: code.to_string(),
                name: name.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_header_and_malformed_lines_are_skipped() {
        let areas = super::parse(
            "code,name,cityCode,provinceCode\n610828,佳县,6108,61\n\"x\",y\n610827,\"米脂县\",6108,61\n",
        );
        let names: Vec<&str> = areas.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["佳县", "米脂县"]);
        assert_eq!(areas[0].code, "610828");
    }
}
