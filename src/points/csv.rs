//! The rewards file: `code,name_zh,name_en,cost,stock,active`.

use std::collections::HashMap;

use super::{Reward, RewardCode};
use crate::csvfile::{self, CsvError, CsvFile};

pub const COLUMNS: &[&str] = &["code", "name_zh", "name_en", "cost", "stock", "active"];

pub fn parse(bytes: &[u8]) -> Result<Vec<Reward>, CsvError> {
    let file = CsvFile::read(bytes, COLUMNS)?;
    let mut seen: HashMap<RewardCode, u64> = HashMap::new();
    let mut rewards = Vec::new();
    for row in file.rows() {
        let code = row.unique_code("code", &mut seen, RewardCode::parse)?;
        rewards.push(Reward {
            code,
            name_zh: row.text("name_zh", 60)?.to_owned(),
            name_en: row.optional_text("name_en", 60)?.map(str::to_owned),
            cost: row.whole_number("cost", 1..=1_000_000)?,
            stock: row.whole_number("stock", 0..=1_000_000)?,
            active: row.flag("active")?,
        });
    }
    Ok(rewards)
}

pub fn write<W: std::io::Write>(out: W, rewards: &[Reward]) -> Result<(), csv::Error> {
    let rows = rewards.iter().map(|r| {
        vec![
            r.code.to_string(),
            r.name_zh.clone(),
            r.name_en.clone().unwrap_or_default(),
            r.cost.to_string(),
            r.stock.to_string(),
            csvfile::flag(r.active),
        ]
    });
    csvfile::write(out, COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewards_parse_round_trip_and_bad_rows_name_line_and_column() {
        let text = "code,name_zh,name_en,cost,stock,active\nwater,饮用水,Drinking water,5,100,true\nRAIN,雨衣,,50,0,no\n";
        let rewards = parse(text.as_bytes()).unwrap();
        assert_eq!(rewards[0].code.as_str(), "WATER");
        assert!(!rewards[1].active);
        let mut out = Vec::new();
        write(&mut out, &rewards).unwrap();
        assert_eq!(parse(&out).unwrap(), rewards);
        let bad = "code,name_zh,name_en,cost,stock,active\nA,甲,,0,1,true\n";
        let e = parse(bad.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with("line 2, column 4 (cost)"), "{e}");
        let bad = "code,name_zh,name_en,cost,stock,active\nA,甲,,5,-1,true\n";
        let e = parse(bad.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with("line 2, column 5 (stock)"), "{e}");
        let bad = "code,name_zh,name_en,cost,stock,active\nA,甲,,5,1,maybe\nA,甲,,5,1,true\n";
        let e = parse(bad.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with("line 2, column 6 (active)"), "{e}");
        let bad = "code,name_zh,name_en,cost,stock,active\nA,甲,,5,1,1\na,甲,,5,1,1\n";
        let e = parse(bad.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("already appears on line 2"), "{e}");
    }
}
