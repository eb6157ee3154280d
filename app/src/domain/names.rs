//! Kubernetes object names, checked the way the API server checks them, so a bad name is
//! refused with a clear message before any cluster call.

/// Why `name` is not a DNS-1123 label (namespaces, notebooks, services), or None.
pub fn label_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is required".into());
    }
    if name.len() > 63 {
        return Some(format!(
            "must be at most 63 characters (it has {})",
            name.len()
        ));
    }
    label_characters_problem(name)
}

fn label_characters_problem(part: &str) -> Option<String> {
    let allowed = part
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let starts = part
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric());
    let ends = part
        .bytes()
        .last()
        .is_some_and(|b| b.is_ascii_alphanumeric());
    (!(allowed && starts && ends)).then(|| {
        "may only use lowercase letters, digits and '-', and must start and end with a letter or digit"
            .to_string()
    })
}

/// Why `name` is not a DNS-1123 subdomain (PVCs, ConfigMaps), or None.
pub fn subdomain_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is required".into());
    }
    if name.len() > 253 {
        return Some(format!(
            "must be at most 253 characters (it has {})",
            name.len()
        ));
    }
    name.split('.').find_map(|part| {
        label_characters_problem(part).map(|_| {
            "may only use lowercase letters, digits, '-' and '.', and each part must start and end with a letter or digit".to_string()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        for good in ["a", "team-a", "x1", &"a".repeat(63)] {
            assert_eq!(label_problem(good), None, "{good}");
        }
        for bad in [
            "",
            "A",
            "-a",
            "a-",
            "a.b",
            "a_b",
            "é",
            "a b",
            &"a".repeat(64),
        ] {
            assert!(label_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn subdomains() {
        for good in ["a", "a.b", "data-1.team"] {
            assert_eq!(subdomain_problem(good), None, "{good}");
        }
        for bad in ["", ".a", "a.", "a..b", "A.b", "a_b", &"a".repeat(254)] {
            assert!(subdomain_problem(bad).is_some(), "{bad}");
        }
    }
}
