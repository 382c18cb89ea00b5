//! Named pause points for crash tests.
//!
//! With `EVIDENT_FAILPOINT=NAME` (or `NAME:N` for the N-th time the point is
//! reached) the process announces `failpoint NAME reached` on stderr and then
//! waits forever, so a test can kill it with SIGKILL at exactly that moment.
//! Without the variable a failpoint costs one relaxed atomic load.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex};

struct Armed {
    name: String,
    nth: u64,
}

static ARMED: LazyLock<Option<Armed>> = LazyLock::new(|| {
    let spec = std::env::var("EVIDENT_FAILPOINT").ok()?;
    let (name, nth) = match spec.split_once(':') {
        Some((name, n)) => (name.to_owned(), n.parse().unwrap_or(1)),
        None => (spec, 1),
    };
    Some(Armed { name, nth })
});

static ANY: LazyLock<AtomicBool> = LazyLock::new(|| AtomicBool::new(ARMED.is_some()));
static COUNTS: LazyLock<Mutex<HashMap<&'static str, u64>>> = LazyLock::new(Default::default);

/// Pauses forever if `EVIDENT_FAILPOINT` names this point (see the module docs).
pub fn failpoint(name: &'static str) {
    if !ANY.load(Ordering::Relaxed) {
        return;
    }
    let Some(armed) = ARMED.as_ref() else { return };
    if armed.name != name {
        return;
    }
    let reached = {
        let mut counts = COUNTS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = counts.entry(name).or_insert(0);
        *count += 1;
        *count == armed.nth
    };
    if reached {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "failpoint {name} reached");
        let _ = stderr.flush();
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}
