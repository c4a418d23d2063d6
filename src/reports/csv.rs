//! The departments file (`code,name_zh,name_en,active`) and the categories file
//! (`code,name_zh,name_en,department,points,active`). A category's row order is the order of
//! the category buttons.

use std::collections::HashMap;

use super::{Category, CategoryCode, Department, DepartmentCode};
use crate::csvfile::{self, CsvError, CsvFile};

pub const DEPARTMENT_COLUMNS: &[&str] = &["code", "name_zh", "name_en", "active"];
pub const CATEGORY_COLUMNS: &[&str] = &[
    "code",
    "name_zh",
    "name_en",
    "department",
    "points",
    "active",
];

/// The largest points value a category may pay.
pub const MAX_POINTS: i64 = 10_000;

pub fn parse_departments(bytes: &[u8]) -> Result<Vec<Department>, CsvError> {
    let file = CsvFile::read(bytes, DEPARTMENT_COLUMNS)?;
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for row in file.rows() {
        out.push(Department {
            code: row.unique_code("code", &mut seen, DepartmentCode::parse)?,
            name_zh: row.text("name_zh", 60)?.to_owned(),
            name_en: row.optional_text("name_en", 60)?.map(str::to_owned),
            active: row.flag("active")?,
        });
    }
    Ok(out)
}

/// Parses the categories file; `known` says whether a department code exists (in the table).
pub fn parse_categories(
    bytes: &[u8],
    known: impl Fn(&DepartmentCode) -> bool,
) -> Result<Vec<Category>, CsvError> {
    let file = CsvFile::read(bytes, CATEGORY_COLUMNS)?;
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for row in file.rows() {
        let code = row.unique_code("code", &mut seen, CategoryCode::parse)?;
        let raw = row.get("department");
        let department = DepartmentCode::parse(raw).filter(&known).ok_or_else(|| {
            row.error(
                "department",
                format!("{raw:?} is not a known department (import departments first)"),
            )
        })?;
        out.push(Category {
            code,
            name_zh: row.text("name_zh", 40)?.to_owned(),
            name_en: row.optional_text("name_en", 40)?.map(str::to_owned),
            department,
            points: row.whole_number("points", 0..=MAX_POINTS)?,
            active: row.flag("active")?,
        });
    }
    Ok(out)
}

pub fn write_departments<W: std::io::Write>(
    out: W,
    departments: &[Department],
) -> Result<(), ::csv::Error> {
    let rows = departments.iter().map(|d| {
        vec![
            d.code.to_string(),
            d.name_zh.clone(),
            d.name_en.clone().unwrap_or_default(),
            csvfile::flag(d.active),
        ]
    });
    csvfile::write(out, DEPARTMENT_COLUMNS, rows)
}

pub fn write_categories<W: std::io::Write>(
    out: W,
    categories: &[Category],
) -> Result<(), ::csv::Error> {
    let rows = categories.iter().map(|c| {
        vec![
            c.code.to_string(),
            c.name_zh.clone(),
            c.name_en.clone().unwrap_or_default(),
            c.department.to_string(),
            c.points.to_string(),
            csvfile::flag(c.active),
        ]
    });
    csvfile::write(out, CATEGORY_COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departments_and_categories_round_trip_and_bad_rows_name_line_and_column() {
        let deps = "code,name_zh,name_en,active\nCG,城管,Urban management,true\nfire,消防,,1\n";
        let departments = parse_departments(deps.as_bytes()).unwrap();
        assert_eq!(departments[0].code.as_str(), "cg");
        let mut out = Vec::new();
        write_departments(&mut out, &departments).unwrap();
        assert_eq!(parse_departments(&out).unwrap(), departments);

        let known = |d: &DepartmentCode| departments.iter().any(|x| &x.code == d);
        let cats = "code,name_zh,name_en,department,points,active\ngarbage,垃圾暴露,Exposed garbage,cg,10,true\n";
        let categories = parse_categories(cats.as_bytes(), known).unwrap();
        assert_eq!(categories[0].points, 10);
        let mut out = Vec::new();
        write_categories(&mut out, &categories).unwrap();
        assert_eq!(parse_categories(&out, known).unwrap(), categories);

        let bad = "code,name_zh,name_en,department,points,active\ng,垃圾,,police,10,true\n";
        let e = parse_categories(bad.as_bytes(), known)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 2, column 4 (department)"), "{e}");
        let bad = "code,name_zh,name_en,department,points,active\ng,垃圾,,cg,-1,true\n";
        let e = parse_categories(bad.as_bytes(), known)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 2, column 5 (points)"), "{e}");
        let bad = "code,name_zh,name_en,active\na,甲,,1\nA,乙,,1\n";
        let e = parse_departments(bad.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("already appears on line 2"), "{e}");
    }
}
