//! How often each supervised task — a device's, or a background one (delivery, catalog updates,
//! the heartbeat) — was started again since the kiosk started. The shell's supervisors count
//! them; the staff screen and the heartbeat read them.

use std::collections::BTreeMap;

/// Restarts by task name; a task never restarted is not listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Restarts(BTreeMap<&'static str, u32>);

impl Restarts {
    /// One more restart of `task`.
    pub fn count(&mut self, task: &'static str) {
        *self.0.entry(task).or_default() += 1;
    }

    /// Every task restarted so far, by name.
    pub fn counts(&self) -> &BTreeMap<&'static str, u32> {
        &self.0
    }

    /// For the staff screen: (task, restarts), by task name.
    pub fn staff_lines(&self) -> Vec<(String, u32)> {
        self.0
            .iter()
            .map(|(task, n)| (task.to_string(), *n))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_are_counted_by_task_and_serialized_as_a_map() {
        let mut r = Restarts::default();
        assert!(r.counts().is_empty());
        r.count("sync");
        r.count("printer");
        r.count("sync");
        assert_eq!(r.counts().get("sync"), Some(&2));
        assert_eq!(
            r.staff_lines(),
            vec![("printer".to_string(), 1), ("sync".to_string(), 2)]
        );
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"printer": 1, "sync": 2})
        );
    }
}
