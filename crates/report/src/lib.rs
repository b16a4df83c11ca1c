//! Reports for people, apart from the server that serves them: the annual report (政府网站工作年度
//! 报表) as CSV, XLSX and HTML ([`annual`]), the 依申请公开 tables of the 政府信息公开工作年度报告
//! as XLSX ([`disclosure`]), the one CSV writer every export uses, whose cells
//! cannot start a spreadsheet formula ([`csv::Csv`]), and server-side SVG charts ([`charts`]).
//! The console serves them; the command line writes them to files without the web crate.

pub mod annual;
pub mod charts;
pub mod csv;
pub mod disclosure;
