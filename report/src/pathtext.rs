//! The checker's rendered path (`swspec conform --explain`) read back into its parts: model
//! steps with their description, spec sections and observations; trace lines matched; guard
//! steps. A line of another shape is kept as it is.

/// One line of a rendered path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathLine {
    /// A model step: `step   DESC  [SPEC]  => OBS, …` or `… (unobservable)`.
    Step {
        /// What the step does.
        description: String,
        /// Its spec sections.
        spec: String,
        /// The observations it made (empty: unobservable).
        observations: String,
    },
    /// `line N: OBS`: the trace event on line N matched this observation.
    Matched {
        /// The trace line.
        line: usize,
        /// The observation.
        observation: String,
    },
    /// `guard  OBS (no state change)`.
    Guard {
        /// The observations.
        observations: String,
    },
    /// Anything else.
    Other(String),
}

/// Reads one rendered line.
pub fn parse_line(line: &str) -> PathLine {
    let t = line.trim();
    if let Some(rest) = t.strip_prefix("step ") {
        if let Some(step) = parse_step(rest.trim_start()) {
            return step;
        }
    }
    if let Some(rest) = t.strip_prefix("line ") {
        if let Some((n, obs)) = rest.split_once(": ") {
            if let Ok(line) = n.parse() {
                return PathLine::Matched {
                    line,
                    observation: obs.to_string(),
                };
            }
        }
    }
    if let Some(rest) = t.strip_prefix("guard ") {
        let obs = rest.trim_start();
        return PathLine::Guard {
            observations: obs
                .strip_suffix(" (no state change)")
                .unwrap_or(obs)
                .to_string(),
        };
    }
    PathLine::Other(line.to_string())
}

fn parse_step(rest: &str) -> Option<PathLine> {
    let open = rest.find("  [")?;
    let description = rest[..open].trim().to_string();
    let after = &rest[open + 3..];
    let (spec, tail) = if let Some(i) = after.find("]  => ") {
        (&after[..i], &after[i + 6..])
    } else if let Some(i) = after.find("]  (unobservable)") {
        (&after[..i], "")
    } else {
        let i = after.rfind(']')?;
        (&after[..i], after[i + 1..].trim())
    };
    Some(PathLine::Step {
        description,
        spec: spec.to_string(),
        observations: tail.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_checkers_lines() {
        assert_eq!(
            parse_line("  step   client 0 calls update()  [§update(); §Schedule Job]  => {\"type\":\"update\",\"client\":\"c1\"}"),
            PathLine::Step {
                description: "client 0 calls update()".into(),
                spec: "§update(); §Schedule Job".into(),
                observations: "{\"type\":\"update\",\"client\":\"c1\"}".into(),
            }
        );
        assert_eq!(
            parse_line("  step   browser runs the front job  [§Run Job; §Register / §Update / §Unregister]  (unobservable)"),
            PathLine::Step {
                description: "browser runs the front job".into(),
                spec: "§Run Job; §Register / §Update / §Unregister".into(),
                observations: String::new(),
            }
        );
        assert_eq!(
            parse_line("  line 40: {\"type\":\"skip_waiting\",\"worker\":\"sw-1\"}"),
            PathLine::Matched {
                line: 40,
                observation: "{\"type\":\"skip_waiting\",\"worker\":\"sw-1\"}".into(),
            }
        );
        assert_eq!(
            parse_line(
                "  guard  {\"type\":\"skip_waiting\",\"worker\":\"sw-1\"} (no state change)"
            ),
            PathLine::Guard {
                observations: "{\"type\":\"skip_waiting\",\"worker\":\"sw-1\"}".into(),
            }
        );
        assert_eq!(
            parse_line("something new"),
            PathLine::Other("something new".into())
        );
    }
}
