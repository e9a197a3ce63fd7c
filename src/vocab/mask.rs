//! Masking of personal data for screens and paper (`张*明`, `330106********1231`).

/// Keeps the first and last character of a name; everything between becomes `*`.
/// Latin names keep the first letter of each word.
pub fn name(full: &str) -> String {
    let chars: Vec<char> = full.chars().collect();
    if chars.iter().any(|c| c.is_ascii_alphabetic()) && !chars.iter().any(|c| is_cjk(*c)) {
        return full
            .split_whitespace()
            .map(|w| {
                let mut cs = w.chars();
                let first = cs.next().map(String::from).unwrap_or_default();
                first + &"*".repeat(cs.count())
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// 18-character ID numbers keep the region (6) and the last 4; other numbers keep 3 and 2.
pub fn id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let (head, tail) = if chars.len() == 18 {
        (6, 4)
    } else if chars.len() > 6 {
        (3, 2)
    } else {
        (0, 0)
    };
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
        .collect()
}

/// Keeps the first six characters of an address (province and city, roughly); masks the rest.
pub fn address(full: &str) -> String {
    let chars: Vec<char> = full.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    chars[..6].iter().collect::<String>() + &"*".repeat(chars.len() - 6)
}

/// A number plate keeps its province and issuing letter and its last two characters, enough
/// for the owner to know the car (`豫A****45`).
pub fn plate(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    let n = chars.len();
    if n <= 4 {
        return "*".repeat(n);
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < 2 || i >= n - 2 { *c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plate_keeps_its_province_letter_and_last_two() {
        assert_eq!(plate("豫AD12345"), "豫A****45");
        assert_eq!(plate("豫A12345"), "豫A***45");
        assert_eq!(plate("豫A1"), "***");
    }

    #[test]
    fn names() {
        assert_eq!(name("张晓明"), "张*明");
        assert_eq!(name("张三"), "张*");
        assert_eq!(name("阿依古丽·买买提"), "阿******提");
        assert_eq!(name("李"), "*");
        assert_eq!(name("SMITH, JOHN"), "S***** J***");
        assert_eq!(name(""), "");
    }

    #[test]
    fn addresses() {
        assert_eq!(
            address("浙江省杭州市西湖区文三路100号"),
            "浙江省杭州市**********"
        );
        assert_eq!(address("短"), "*");
    }

    #[test]
    fn id_numbers() {
        assert_eq!(id_number("330106198503121231"), "330106********1231");
        assert_eq!(id_number("GBR310075060711"), "GBR**********11");
        assert_eq!(id_number("123"), "***");
    }
}
