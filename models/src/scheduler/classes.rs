//! Equivalence classes of node states: one class per distinct state, the nodes in it, which
//! classes are alive, and the log of classes that became alive (which score indexes catch up
//! from).

use rustc_hash::FxHashMap;

use crate::resources::Resources;

/// A node's state; nodes with equal states are interchangeable.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct State {
    pub pool: u32,
    pub zone: u32,
    pub cpu: u64,
    pub mem: u64,
    pub pods: u32,
    /// Thousandths of each GPU in use, sorted in descending order.
    pub gpu_used: Box<[u16]>,
    /// `(group, replicas on the node)` for groups with a per-node maximum, sorted by group.
    pub counts: Box<[(u32, u32)]>,
    /// `(tag, pods)` for the policy's tags, sorted by tag.
    pub tags: Box<[(u16, u32)]>,
}

fn bump<K: Ord + Copy>(v: &[(K, u32)], key: Option<K>, up: bool) -> Box<[(K, u32)]> {
    let Some(k) = key else {
        return v.into();
    };
    let mut out: Vec<(K, u32)> = v.to_vec();
    match out.iter_mut().position(|(x, _)| *x == k) {
        Some(i) if up => out[i].1 += 1,
        Some(i) => {
            out[i].1 -= 1;
            if out[i].1 == 0 {
                out.remove(i);
            }
        }
        None if up => {
            out.push((k, 1));
            out.sort_unstable();
        }
        None => {}
    }
    out.into_boxed_slice()
}

fn sorted_desc(devs: &[u16]) -> Box<[u16]> {
    let mut v: Box<[u16]> = devs.into();
    v.sort_unstable_by(|a, b| b.cmp(a));
    v
}

impl State {
    /// A node with nothing on it.
    pub fn empty(pool: u32, zone: u32, gpus: usize) -> State {
        State {
            pool,
            zone,
            cpu: 0,
            mem: 0,
            pods: 0,
            gpu_used: vec![0u16; gpus].into_boxed_slice(),
            counts: Box::new([]),
            tags: Box::new([]),
        }
    }

    pub fn free_whole_gpus(&self) -> u32 {
        self.gpu_used.iter().rev().take_while(|&&u| u == 0).count() as u32
    }

    pub fn count_of(&self, group: u32) -> u32 {
        self.counts
            .iter()
            .find(|(g, _)| *g == group)
            .map_or(0, |(_, c)| *c)
    }

    /// What the node's pods request, GPUs included (whole GPUs fully used; every device's
    /// thousandths in `gpu_milli`).
    pub fn requested(&self) -> Resources {
        Resources {
            cpu_milli: self.cpu,
            memory_bytes: self.mem,
            gpus: self.gpu_used.iter().filter(|&&u| u == 1000).count() as u32,
            gpu_milli: self.gpu_used.iter().map(|&u| u32::from(u)).sum(),
        }
    }

    /// The state once a pod with `r` is added; `devices` are the node's devices afterwards.
    pub fn after(
        &self,
        r: &Resources,
        group: Option<u32>,
        tag: Option<u16>,
        devices: &[u16],
    ) -> State {
        State {
            pool: self.pool,
            zone: self.zone,
            cpu: self.cpu + r.cpu_milli,
            mem: self.mem + r.memory_bytes,
            pods: self.pods + 1,
            gpu_used: if r.wants_gpu() {
                sorted_desc(devices)
            } else {
                self.gpu_used.clone()
            },
            counts: bump(&self.counts, group, true),
            tags: bump(&self.tags, tag, true),
        }
    }

    /// The state once a pod with `r` leaves; `devices` are the node's devices afterwards.
    pub fn before(
        &self,
        r: &Resources,
        group: Option<u32>,
        tag: Option<u16>,
        devices: &[u16],
    ) -> State {
        State {
            pool: self.pool,
            zone: self.zone,
            cpu: self.cpu.saturating_sub(r.cpu_milli),
            mem: self.mem.saturating_sub(r.memory_bytes),
            pods: self.pods.saturating_sub(1),
            gpu_used: if r.wants_gpu() {
                sorted_desc(devices)
            } else {
                self.gpu_used.clone()
            },
            counts: bump(&self.counts, group, false),
            tags: bump(&self.tags, tag, false),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Class {
    pub state: State,
    pub nodes: Vec<u32>,
    live_pos: usize,
}

const NOT_LIVE: usize = usize::MAX;
const NO_CLASS: u32 = u32::MAX;

/// Every class ever needed (until collected), the live ones, and where each node is.
#[derive(Debug, Default)]
pub(crate) struct Classes {
    classes: Vec<Class>,
    /// Class of each state (FxHash: states are hashed on every placement, and the map is
    /// never iterated, so its order cannot leak into results).
    index: FxHashMap<State, usize>,
    /// Classes with at least one node.
    pub live: Vec<usize>,
    /// Classes that became live (created or revived), in order.
    changes: Vec<usize>,
    /// Per node: its class (`NO_CLASS` once removed) and its position in the class's nodes.
    node_class: Vec<u32>,
    node_pos: Vec<u32>,
    present: u32,
    /// Dead classes tolerated beyond four times the live ones before a collection.
    pub gc_slack: Option<usize>,
}

impl Classes {
    pub fn class(&self, c: usize) -> &Class {
        &self.classes[c]
    }

    pub fn class_of(&self, node: u32) -> Option<usize> {
        match self.node_class.get(node as usize) {
            Some(&c) if c != NO_CLASS => Some(c as usize),
            _ => None,
        }
    }

    pub fn nodes_present(&self) -> u32 {
        self.present
    }

    pub fn class_for(&mut self, state: State) -> usize {
        if let Some(&c) = self.index.get(&state) {
            return c;
        }
        let c = self.classes.len();
        self.index.insert(state.clone(), c);
        self.classes.push(Class {
            state,
            nodes: Vec::new(),
            live_pos: NOT_LIVE,
        });
        c
    }

    /// Puts `node` at the end of class `c`'s nodes.
    pub fn push_node(&mut self, c: usize, node: u32) {
        let n = node as usize;
        if self.node_class.len() <= n {
            self.node_class.resize(n + 1, NO_CLASS);
            self.node_pos.resize(n + 1, 0);
        }
        if self.node_class[n] == NO_CLASS {
            self.present += 1;
        }
        self.node_class[n] = c as u32;
        self.node_pos[n] = self.classes[c].nodes.len() as u32;
        self.classes[c].nodes.push(node);
    }

    /// Takes `node` out of its class (the class's last node takes its place).
    pub fn take_node(&mut self, node: u32) {
        let n = node as usize;
        let c = self.node_class[n] as usize;
        let pos = self.node_pos[n] as usize;
        let nodes = &mut self.classes[c].nodes;
        nodes.swap_remove(pos);
        if let Some(&moved) = nodes.get(pos) {
            self.node_pos[moved as usize] = pos as u32;
        }
        self.node_class[n] = NO_CLASS;
        self.present -= 1;
    }

    /// Moves every node of class `from` to the end of class `to`, in order.
    pub fn move_all(&mut self, from: usize, to: usize) {
        let nodes = std::mem::take(&mut self.classes[from].nodes);
        let dst = &mut self.classes[to].nodes;
        for (k, &n) in nodes.iter().enumerate() {
            self.node_class[n as usize] = to as u32;
            self.node_pos[n as usize] = (dst.len() + k) as u32;
        }
        dst.extend_from_slice(&nodes);
    }

    pub fn mark_live(&mut self, c: usize) {
        if self.classes[c].live_pos == NOT_LIVE && !self.classes[c].nodes.is_empty() {
            self.classes[c].live_pos = self.live.len();
            self.live.push(c);
            self.changes.push(c);
        }
    }

    pub fn mark_dead_if_empty(&mut self, c: usize) {
        let pos = self.classes[c].live_pos;
        if pos != NOT_LIVE && self.classes[c].nodes.is_empty() {
            self.live.swap_remove(pos);
            if let Some(&moved) = self.live.get(pos) {
                self.classes[moved].live_pos = pos;
            }
            self.classes[c].live_pos = NOT_LIVE;
        }
    }

    /// Length of the change log (where a new index starts catching up).
    pub fn log_len(&self) -> usize {
        self.changes.len()
    }

    /// The class logged at position `i`.
    pub fn logged(&self, i: usize) -> Option<usize> {
        self.changes.get(i).copied()
    }

    /// Empties the change log (every index made before is invalid afterwards).
    pub fn trim_log(&mut self) {
        self.changes.clear();
    }

    /// Drops every class without nodes once they outnumber the live ones by far, renumbering the
    /// rest. Returns whether it did (every index is invalid afterwards).
    pub fn collect_if_worthwhile(&mut self) -> bool {
        let dead = self.classes.len() - self.live.len();
        if dead <= 4 * self.live.len() + self.gc_slack.unwrap_or(65_536) {
            return false;
        }
        let old = std::mem::take(&mut self.classes);
        self.index.clear();
        self.changes.clear();
        let mut renumber = vec![usize::MAX; old.len()];
        let mut live_order: Vec<(usize, usize)> = Vec::with_capacity(self.live.len());
        for (c, mut class) in old.into_iter().enumerate() {
            if class.nodes.is_empty() {
                continue;
            }
            let nc = self.classes.len();
            renumber[c] = nc;
            live_order.push((class.live_pos, nc));
            class.live_pos = NOT_LIVE;
            self.index.insert(class.state.clone(), nc);
            self.classes.push(class);
        }
        // Keep the live list's order.
        live_order.sort_unstable();
        self.live.clear();
        for (pos, (_, nc)) in live_order.into_iter().enumerate() {
            self.classes[nc].live_pos = pos;
            self.live.push(nc);
        }
        for c in self.node_class.iter_mut() {
            if *c != NO_CLASS {
                *c = renumber[*c as usize] as u32;
            }
        }
        true
    }
}
