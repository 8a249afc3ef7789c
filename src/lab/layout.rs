//! Where the page draws each derivation of the graph: a layered (Sugiyama-style) layout of its
//! own, small and linear enough for a closure of thousands of derivations.
//!
//! The graph is cleaned first (known keys, no self-loops or duplicate edges, cycles broken);
//! each connected component is laid out on its own and the components are put side by side.
//! Inputs are drawn above their users. Layers are longest paths (see [`ranks`]); an edge
//! spanning several layers runs through one thin vertex per layer it crosses, shared by the
//! long edges leaving the same node, so its line is kept clear of the boxes; barycentre sweeps
//! order each layer and place each vertex. Nothing recurses, so no depth of graph can overflow
//! the stack.
//!
//! A graph too big to read whole is drawn as the neighbourhood of the selection ([`focus`]).
//!
//! Pure and deterministic: the same keys and edges give the same coordinates, natively and in
//! wasm. No web dependency, so it is unit-tested natively.

use std::collections::{BTreeMap, BTreeSet};

/// A node's box, in pixels.
pub const NODE_W: i32 = 128;
pub const NODE_H: i32 = 44;
/// Horizontal gap between two boxes of a layer (and between components).
pub const GAP_X: i32 = 14;
/// Vertical gap between two layers (the edges' room).
pub const GAP_Y: i32 = 30;
/// Blank border around the drawing.
pub const MARGIN: i32 = 5;

/// One derivation's box: top-left corner in pixels and its layer (0 = top).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub x: i32,
    pub y: i32,
    pub layer: usize,
}

/// Every key's box, the bends of the edges that span several layers, and the size of the drawing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    pub nodes: BTreeMap<String, Placed>,
    /// For each edge spanning more than one layer, as (upper key, lower key): the x of its line in
    /// each layer it passes through, with that layer, top to bottom. The layout keeps these
    /// places free of boxes, so an edge never runs through a derivation it does not touch.
    pub bends: BTreeMap<(String, String), Vec<(i32, usize)>>,
    pub width: i32,
    pub height: i32,
}

/// The width the layout reserves for an edge passing through a layer (plus [`GAP_X`]).
const BEND_W: f64 = 2.0;

fn layer_y(layer: usize) -> i32 {
    MARGIN + layer as i32 * (NODE_H + GAP_Y)
}

impl Layout {
    /// The box of `key` (the top-left corner when the key is unknown, so a caller never fails).
    pub fn at(&self, key: &str) -> Placed {
        self.nodes.get(key).copied().unwrap_or(Placed { x: MARGIN, y: MARGIN, layer: 0 })
    }

    /// The SVG path of the edge from `input` to `user`: from the bottom of the input's box to the
    /// top of the user's, through its bends, with vertical tangents at both ends so the arrowhead
    /// points straight into the box. An edge the layout turned round to break a cycle goes up, from
    /// the top of the input into the bottom of the user; a self-loop is a small loop on the right.
    pub fn edge_path(&self, input: &str, user: &str) -> String {
        let (a, b) = (self.at(input), self.at(user));
        if input == user {
            let (x, y) = (a.x + NODE_W, a.y);
            return format!(
                "M{x} {} C{} {} {} {} {x} {}",
                y + 12,
                x + 12,
                y + 4,
                x + 12,
                y + NODE_H - 4,
                y + NODE_H - 12
            );
        }
        let up = b.layer < a.layer;
        let bends: Vec<(i32, usize)> = if up {
            let mut v = self.bends.get(&(user.to_string(), input.to_string())).cloned().unwrap_or_default();
            v.reverse();
            v
        } else {
            self.bends.get(&(input.to_string(), user.to_string())).cloned().unwrap_or_default()
        };
        // The points the path passes, in drawing order: leave the input, then enter and leave each
        // bend's layer, then enter the user. Between two points it crosses a gap between layers.
        let (leave, enter) = if up { (0, NODE_H) } else { (NODE_H, 0) };
        let mut pts = vec![(a.x + NODE_W / 2, a.y + leave)];
        for &(x, layer) in &bends {
            pts.push((x, layer_y(layer) + enter));
            pts.push((x, layer_y(layer) + leave));
        }
        pts.push((b.x + NODE_W / 2, b.y + enter));
        let c = if up { -GAP_Y / 2 } else { GAP_Y / 2 };
        let mut d = format!("M{} {}", pts[0].0, pts[0].1);
        for (i, pair) in pts.windows(2).enumerate() {
            let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
            if i % 2 == 0 {
                d += &format!(" C{x1} {} {x2} {} {x2} {y2}", y1 + c, y2 - c);
            } else {
                d += &format!(" L{x2} {y2}");
            }
        }
        d
    }
}

/// Lays out `keys`, with `edges` as `(input, user)` pairs: each input is drawn in a layer above
/// its users. Edges naming an unknown key, self-loops and duplicates are ignored (a self-loop
/// only widens the drawing for [`Layout::edge_path`]'s loop); in a cycle (which the page can hold
/// while the engine reports it as an error) some edges are drawn pointing up instead, and
/// nothing panics.
pub fn layout(keys: &[String], edges: &[(String, String)]) -> Layout {
    let keys: Vec<&String> = drvlab_engine::collect::set(keys.iter()).into_iter().collect();
    if keys.is_empty() {
        return Layout { width: 2 * MARGIN, height: 2 * MARGIN, ..Layout::default() };
    }
    let index: BTreeMap<&str, usize> =
        drvlab_engine::collect::map(keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)));
    let known: Vec<(usize, usize)> =
        edges.iter().filter_map(|(from, to)| Some((*index.get(from.as_str())?, *index.get(to.as_str())?))).collect();
    let self_loop = known.iter().any(|(a, b)| a == b);
    let dag = acyclic(keys.len(), &drvlab_engine::collect::set(known));

    // Each weakly connected component on its own, side by side, ordered by their first key.
    let comps = components(keys.len(), &dag);
    let mut comp_of = vec![(0usize, 0u32); keys.len()];
    for (c, comp) in comps.iter().enumerate() {
        for (i, &v) in comp.iter().enumerate() {
            comp_of[v] = (c, i as u32);
        }
    }
    let mut comp_edges: Vec<Vec<(u32, u32)>> = vec![Vec::new(); comps.len()];
    for &(a, b) in &dag {
        comp_edges[comp_of[a].0].push((comp_of[a].1, comp_of[b].1));
    }
    let mut placed: Vec<(i32, usize)> = vec![(MARGIN, 0); keys.len()];
    let mut bends = BTreeMap::new();
    let mut left = MARGIN;
    for (comp, edges) in comps.iter().zip(&comp_edges) {
        let c = place_component(comp.len(), edges);
        for (&n, &(x, layer)) in comp.iter().zip(&c.nodes) {
            placed[n] = (left + x, layer);
        }
        for ((a, b), line) in c.bends {
            let key = (keys[comp[a as usize]].clone(), keys[comp[b as usize]].clone());
            bends.insert(key, line.into_iter().map(|(x, layer)| (left + x, layer)).collect());
        }
        left += c.width + GAP_X;
    }

    let nodes = drvlab_engine::collect::map(
        keys.iter().zip(placed).map(|(k, (x, layer))| ((*k).clone(), Placed { x, y: layer_y(layer), layer })),
    );
    let width = left - GAP_X + MARGIN + if self_loop { GAP_X } else { 0 };
    let layers =
        nodes.values().map(|p: &Placed| p.layer).chain(bends.values().flatten().map(|b: &(i32, usize)| b.1)).max();
    let height = layer_y(layers.unwrap_or(0)) + NODE_H + MARGIN;
    Layout { nodes, bends, width, height }
}

/// Graphs of up to this many derivations are drawn whole; a bigger one is drawn as the
/// selection's neighbourhood ([`focus`]).
pub const DRAW_WHOLE: usize = 60;

/// The part of a big graph drawn around the selection: the selected derivation, its inputs and
/// its users a few levels out, and for each derivation drawn how many of its inputs and users
/// are not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Focus {
    pub keys: Vec<String>,
    pub edges: Vec<(String, String)>,
    /// For each key drawn: (inputs not drawn, users not drawn).
    pub hidden: BTreeMap<String, (usize, usize)>,
}

/// The neighbourhood of `selected` (or of the first key, if it is unknown): `levels` levels of
/// inputs above it and of users below it, at most `per_level` new derivations a level on each
/// side (in key order), with every edge between two of them. Linear in the graph's size.
pub fn focus(keys: &[String], edges: &[(String, String)], selected: &str, levels: usize, per_level: usize) -> Focus {
    let keys: Vec<&String> = drvlab_engine::collect::set(keys.iter()).into_iter().collect();
    let Some(first) = keys.first() else { return Focus::default() };
    let index = |k: &str| keys.binary_search_by(|x| x.as_str().cmp(k)).ok();
    let mut ins: Vec<Vec<usize>> = vec![Vec::new(); keys.len()];
    let mut outs: Vec<Vec<usize>> = vec![Vec::new(); keys.len()];
    let known: BTreeSet<(usize, usize)> =
        drvlab_engine::collect::set(edges.iter().filter_map(|(a, b)| Some((index(a)?, index(b)?))));
    for &(a, b) in known.iter().filter(|(a, b)| a != b) {
        outs[a].push(b);
        ins[b].push(a);
    }
    let centre = index(selected).unwrap_or_else(|| index(first).unwrap_or(0));
    let mut drawn = vec![false; keys.len()];
    drawn[centre] = true;
    for side in [&ins, &outs] {
        let mut frontier = vec![centre];
        for _ in 0..levels {
            let mut next: Vec<usize> = drvlab_engine::collect::set(
                frontier.iter().flat_map(|&v| side[v].iter().copied()).filter(|&w| !drawn[w]),
            )
            .into_iter()
            .take(per_level)
            .collect();
            next.sort_unstable();
            for &w in &next {
                drawn[w] = true;
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
    }
    let hidden = |v: usize, side: &[Vec<usize>]| side[v].iter().filter(|&&w| !drawn[w]).count();
    Focus {
        keys: (0..keys.len()).filter(|&v| drawn[v]).map(|v| keys[v].clone()).collect(),
        edges: known
            .iter()
            .filter(|&&(a, b)| drawn[a] && drawn[b])
            .map(|&(a, b)| (keys[a].clone(), keys[b].clone()))
            .collect(),
        hidden: drvlab_engine::collect::map(
            (0..keys.len()).filter(|&v| drawn[v]).map(|v| (keys[v].clone(), (hidden(v, &ins), hidden(v, &outs)))),
        ),
    }
}

/// The same edges with every cycle broken: a depth-first search in key order reverses each edge
/// that leads back to a node still on its stack (which leaves no cycle), deterministically.
/// Self-loops are dropped.
fn acyclic(n: usize, edges: &BTreeSet<(usize, usize)>) -> BTreeSet<(usize, usize)> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges.iter().filter(|(a, b)| a != b) {
        out[a].push(b);
    }
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut result = BTreeSet::new();
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(top) = stack.last_mut() {
            let (v, i) = *top;
            if let Some(&w) = out[v].get(i) {
                top.1 += 1;
                match state[w] {
                    0 => {
                        result.insert((v, w));
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => {
                        result.insert((w, v));
                    }
                    _ => {
                        result.insert((v, w));
                    }
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    result
}

/// Weakly connected components, each sorted, in the order of their smallest node.
fn components(n: usize, edges: &BTreeSet<(usize, usize)>) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    for &(a, b) in edges {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        // The smaller index becomes the root, so each component is named by its first node.
        parent[ra.max(rb)] = ra.min(rb);
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for v in 0..n {
        let r = root(&mut parent, v);
        groups.entry(r).or_default().push(v);
    }
    groups.into_values().collect()
}

/// One connected component, relative to its own left edge.
struct Component {
    /// Each node's left edge and layer.
    nodes: Vec<(i32, usize)>,
    /// The bends of its long edges, as in [`Layout::bends`].
    bends: BTreeMap<(u32, u32), Vec<(i32, usize)>>,
    width: i32,
}

/// At most this many thin vertices carry long edges; past it (a graph no one reads whole), the
/// remaining long edges are drawn straight, so the layout stays linear in the graph's size.
const MAX_THIN: usize = 200_000;
/// Barycentre sweeps of the crossing reduction (alternately down and up), and of the
/// coordinate assignment.
const ORDER_SWEEPS: usize = 8;
const COORD_SWEEPS: usize = 6;

/// Lays out one connected DAG of `n` nodes: longest-path layers (then each node with more users
/// than inputs pulled down next to its users), one thin vertex per layer a long edge crosses —
/// shared by all the long edges leaving one node, so a common dependency of hundreds of
/// derivations gets one line down the side, not hundreds — then barycentre sweeps to order each
/// layer (keeping the order with the fewest crossings) and to place each vertex over its
/// neighbours (an isotonic regression per layer keeps the order and the gaps). Every step is a
/// loop over arrays: nothing recurses, and the work is about linear in nodes + thin vertices.
fn place_component(n: usize, edges: &[(u32, u32)]) -> Component {
    if n == 1 {
        return Component { nodes: vec![(0, 0)], bends: BTreeMap::new(), width: NODE_W };
    }
    let mut outs: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut ins: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        outs[a as usize].push(b as usize);
        ins[b as usize].push(a as usize);
    }
    let rank = ranks(n, &ins, &outs);

    // Thin vertices: node u's trunk runs from rank[u] + 1 to one above its lowest long edge's end.
    // `up[v]` / `down[v]`: v's neighbours one layer above / below, vertices numbered nodes first.
    let mut layer_of: Vec<usize> = rank.clone();
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut trunks: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut thin = 0usize;
    for u in 0..n {
        let far = outs[u].iter().map(|&v| rank[v]).max().unwrap_or(0);
        let mut trunk = Vec::new();
        if far > rank[u] + 1 && thin + (far - rank[u] - 1) <= MAX_THIN {
            let mut prev = u;
            for l in rank[u] + 1..far {
                let t = layer_of.len();
                layer_of.push(l);
                up.push(vec![prev]);
                down.push(Vec::new());
                down[prev].push(t);
                trunk.push(t);
                prev = t;
            }
            thin += trunk.len();
        }
        for &v in &outs[u] {
            let from = if trunk.is_empty() || rank[v] == rank[u] + 1 { u } else { trunk[rank[v] - rank[u] - 2] };
            down[from].push(v);
            up[v].push(from);
        }
        if !trunk.is_empty() {
            trunks.push((u, trunk));
        }
    }
    let total = layer_of.len();
    let width = |v: usize| if v < n { NODE_W as f64 } else { BEND_W };
    let layers = layer_of.iter().max().map_or(1, |m| m + 1);
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for v in 0..total {
        order[layer_of[v]].push(v);
    }
    let order = reduce_crossings(order, &up, &down, total);
    let x = coordinates(n, &order, &up, &down, total, &width);

    // Shift so the leftmost extent (box or edge line) is at 0. Floor, not round, so two
    // neighbours stay at least their spacing apart.
    let half = |v: usize| width(v) / 2.0;
    let min = (0..total).map(|v| x[v] - half(v)).fold(f64::INFINITY, f64::min);
    let max = (0..total).map(|v| x[v] + half(v)).fold(f64::NEG_INFINITY, f64::max);
    let left = |v: usize| (x[v] - half(v) - min + 1e-6).floor() as i32;
    let mut bends = BTreeMap::new();
    for (u, trunk) in &trunks {
        for &v in &outs[*u] {
            let span = rank[v] - rank[*u];
            if span > 1 {
                let line = trunk[..span - 1].iter().map(|&t| (left(t) + BEND_W as i32 / 2, layer_of[t])).collect();
                bends.insert((*u as u32, v as u32), line);
            }
        }
    }
    Component { nodes: (0..n).map(|v| (left(v), rank[v])).collect(), bends, width: (max - min - 1e-6).ceil() as i32 }
}

/// Layers of an acyclic graph: the longest path from a node without inputs (Kahn's algorithm);
/// then, from the bottom up, each node with more users than inputs moves down to just above
/// its highest user, which shortens more edges than it stretches (a node without inputs then
/// sits right above what uses it, not at the top of the drawing).
fn ranks(n: usize, ins: &[Vec<usize>], outs: &[Vec<usize>]) -> Vec<usize> {
    let mut missing: Vec<usize> = ins.iter().map(Vec::len).collect();
    let mut ready: Vec<usize> = (0..n).filter(|&v| missing[v] == 0).collect();
    ready.reverse();
    let mut topo = Vec::with_capacity(n);
    let mut rank = vec![0usize; n];
    while let Some(v) = ready.pop() {
        topo.push(v);
        for &w in &outs[v] {
            rank[w] = rank[w].max(rank[v] + 1);
            missing[w] -= 1;
            if missing[w] == 0 {
                ready.push(w);
            }
        }
    }
    for &v in topo.iter().rev() {
        if outs[v].len() > ins[v].len() {
            if let Some(highest) = outs[v].iter().map(|&w| rank[w]).min() {
                rank[v] = rank[v].max(highest - 1);
            }
        }
    }
    let low = rank.iter().copied().min().unwrap_or(0);
    rank.iter().map(|r| r - low).collect()
}

/// Barycentre sweeps: each layer sorted by the mean position of its neighbours in the layer just
/// swept (a vertex with none keeps its place), alternately down and up; the order with the fewest
/// crossings wins.
fn reduce_crossings(
    mut order: Vec<Vec<usize>>,
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    total: usize,
) -> Vec<Vec<usize>> {
    let mut pos = vec![0usize; total];
    let index = |order: &[Vec<usize>], pos: &mut [usize]| {
        for layer in order {
            for (i, &v) in layer.iter().enumerate() {
                pos[v] = i;
            }
        }
    };
    index(&order, &mut pos);
    let mut best = (crossings(&order, down, &pos), order.clone());
    for sweep in 0..ORDER_SWEEPS {
        if best.0 == 0 {
            break;
        }
        let downward = sweep % 2 == 0;
        let layers: Vec<usize> =
            if downward { (1..order.len()).collect() } else { (0..order.len().saturating_sub(1)).rev().collect() };
        for l in layers {
            let by = if downward { up } else { down };
            let mut keyed: Vec<(f64, usize)> = order[l]
                .iter()
                .map(|&v| {
                    let ns = &by[v];
                    let bary = if ns.is_empty() {
                        pos[v] as f64
                    } else {
                        ns.iter().map(|&w| pos[w] as f64).sum::<f64>() / ns.len() as f64
                    };
                    (bary, v)
                })
                .collect();
            // Stable: ties keep their current order.
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            order[l] = keyed.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in order[l].iter().enumerate() {
                pos[v] = i;
            }
        }
        let c = crossings(&order, down, &pos);
        if c < best.0 {
            best = (c, order.clone());
        }
    }
    best.1
}

/// Edge crossings between every two adjacent layers (inversions, counted with a Fenwick tree).
fn crossings(order: &[Vec<usize>], down: &[Vec<usize>], pos: &[usize]) -> u64 {
    let mut total = 0u64;
    for pair in order.windows(2) {
        let mut ends: Vec<(usize, usize)> =
            pair[0].iter().flat_map(|&v| down[v].iter().map(move |&w| (pos[v], pos[w]))).collect();
        ends.sort_unstable();
        let size = pair[1].len() + 1;
        let mut tree = vec![0u64; size + 1];
        for (seen, &(_, lower)) in ends.iter().enumerate() {
            // Edges already seen that end to the right of this one cross it.
            let mut i = lower + 1;
            let mut not_right = 0;
            while i > 0 {
                not_right += tree[i];
                i -= i & i.wrapping_neg();
            }
            total += seen as u64 - not_right;
            let mut i = lower + 1;
            while i <= size {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

/// Centre x of every vertex (the first `n` are boxes, the rest thin): each layer packed left to
/// right, then sweeps that pull each vertex towards the mean centre of its neighbours above
/// (going down), below (going up), then both, keeping each layer's order and gaps.
fn coordinates(
    n: usize,
    order: &[Vec<usize>],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    total: usize,
    width: &dyn Fn(usize) -> f64,
) -> Vec<f64> {
    let mut x = vec![0.0f64; total];
    for layer in order {
        let mut at = 0.0;
        for &v in layer {
            x[v] = at + width(v) / 2.0;
            at += width(v) + GAP_X as f64;
        }
    }
    for sweep in 0..COORD_SWEEPS {
        let (downward, both) = (sweep % 2 == 0, sweep + 2 >= COORD_SWEEPS);
        let layers: Vec<usize> = if downward { (0..order.len()).collect() } else { (0..order.len()).rev().collect() };
        for l in layers {
            let wanted: Vec<f64> = order[l]
                .iter()
                .map(|&v| {
                    let all: Vec<usize> = match (both, downward) {
                        (true, _) => up[v].iter().chain(&down[v]).copied().collect(),
                        (false, true) => up[v].clone(),
                        (false, false) => down[v].clone(),
                    };
                    // A box follows the boxes it joins, an edge line its own line: a line
                    // pulling the boxes it passes (and the boxes the line) would bend both
                    // into a diagonal.
                    let thin = |w: usize| w >= n;
                    let same: Vec<usize> = all.iter().copied().filter(|&w| thin(w) == thin(v)).collect();
                    let ns = if same.is_empty() { all } else { same };
                    if ns.is_empty() {
                        x[v]
                    } else {
                        ns.iter().map(|&w| x[w]).sum::<f64>() / ns.len() as f64
                    }
                })
                .collect();
            let placed = closest_in_order(&order[l], &wanted, width);
            for (&v, c) in order[l].iter().zip(placed) {
                x[v] = c;
            }
        }
    }
    x
}

/// The centres nearest (least squares) to `wanted` that keep `layer`'s order with at least
/// [`GAP_X`] between boxes: subtracting each vertex's least offset from the first turns the gaps
/// into "never decreasing", which pool-adjacent-violators solves in one pass.
fn closest_in_order(layer: &[usize], wanted: &[f64], width: &dyn Fn(usize) -> f64) -> Vec<f64> {
    let mut offset = Vec::with_capacity(layer.len());
    let mut at = 0.0;
    for (i, &v) in layer.iter().enumerate() {
        if i > 0 {
            at += (width(layer[i - 1]) + width(v)) / 2.0 + GAP_X as f64;
        }
        offset.push(at);
    }
    // Blocks of (sum, count), each placed at its mean.
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (w, o) in wanted.iter().zip(&offset) {
        blocks.push((w - o, 1));
        while blocks.len() > 1 {
            let (s1, c1) = blocks[blocks.len() - 1];
            let (s0, c0) = blocks[blocks.len() - 2];
            if s0 / c0 as f64 <= s1 / c1 as f64 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (s0 + s1, c0 + c1);
        }
    }
    let mut out = Vec::with_capacity(layer.len());
    for (s, c) in blocks {
        let mean = s / c as f64;
        for _ in 0..c {
            out.push(mean + offset[out.len()]);
        }
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn graph(keys: &[&str], edges: &[(&str, &str)]) -> (Vec<String>, Vec<(String, String)>) {
        (
            keys.iter().map(|k| k.to_string()).collect(),
            edges.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        )
    }

    fn run(keys: &[&str], edges: &[(&str, &str)]) -> Layout {
        let (k, e) = graph(keys, edges);
        let l = layout(&k, &e);
        check_boxes(&l, keys.len());
        check_edges(&l, &e);
        l
    }

    /// Every key placed, inside the drawing, and no two boxes overlapping (nor closer than the gaps).
    fn check_boxes(l: &Layout, n: usize) {
        assert_eq!(l.nodes.len(), n, "every key is placed: {l:?}");
        let v: Vec<(&String, &Placed)> = l.nodes.iter().collect();
        for (k, p) in &v {
            assert!(p.x >= MARGIN && p.y >= MARGIN, "{k} inside the margin: {l:?}");
            assert!(p.x + NODE_W + MARGIN <= l.width && p.y + NODE_H + MARGIN <= l.height, "{k} inside: {l:?}");
            assert_eq!(p.y, MARGIN + p.layer as i32 * (NODE_H + GAP_Y), "{k}: y follows the layer");
        }
        for (i, (a, p)) in v.iter().enumerate() {
            for (b, q) in &v[i + 1..] {
                let apart_x = p.x + NODE_W + GAP_X <= q.x || q.x + NODE_W + GAP_X <= p.x;
                let apart_y = p.y + NODE_H + GAP_Y <= q.y || q.y + NODE_H + GAP_Y <= p.y;
                assert!(apart_x || apart_y, "{a} and {b} overlap: {l:?}");
            }
        }
    }

    /// Every edge leaves its input's box and enters its user's at the middle of a side, facing it
    /// (so the arrowhead points into the box); crosses every layer between them at a bend; and
    /// its bends stay inside the drawing and clear of every box.
    fn check_edges(l: &Layout, edges: &[(String, String)]) {
        for (a, b) in edges.iter().filter(|(a, b)| a != b && l.nodes.contains_key(a) && l.nodes.contains_key(b)) {
            let d = l.edge_path(a, b);
            let nums: Vec<i32> = d
                .split(|c: char| !(c.is_ascii_digit() || c == '-'))
                .filter(|t| !t.is_empty())
                .map(|t| t.parse().unwrap())
                .collect();
            let (start, end) = ((nums[0], nums[1]), (nums[nums.len() - 2], nums[nums.len() - 1]));
            let (p, q) = (l.at(a), l.at(b));
            assert_ne!(p.layer, q.layer, "{a} -> {b} joins two layers: {l:?}");
            let down = p.layer < q.layer;
            let (leave, enter) = if down { (NODE_H, 0) } else { (0, NODE_H) };
            assert_eq!(start, (p.x + NODE_W / 2, p.y + leave), "{a} -> {b} leaves {a}: {d}");
            assert_eq!(end, (q.x + NODE_W / 2, q.y + enter), "{a} -> {b} enters {b}: {d}");
            let (upper, lower) = if down { (a, b) } else { (b, a) };
            let bends = l.bends.get(&(upper.clone(), lower.clone())).cloned().unwrap_or_default();
            let crossed: Vec<usize> = bends.iter().map(|&(_, layer)| layer).collect();
            let between: Vec<usize> = (l.at(upper).layer + 1..l.at(lower).layer).collect();
            assert_eq!(crossed, between, "{upper} -> {lower} bends once in each layer between: {l:?}");
            for &(x, layer) in &bends {
                assert!(MARGIN <= x && x <= l.width - MARGIN, "{upper} -> {lower}: bend at {x} inside: {l:?}");
                for (k, n) in l.nodes.iter().filter(|(_, n)| n.layer == layer) {
                    let clear = x + GAP_X / 2 <= n.x || n.x + NODE_W + GAP_X / 2 <= x;
                    assert!(clear, "{upper} -> {lower} runs through {k} in layer {layer}: {l:?}");
                }
            }
        }
    }

    fn assert_downward(l: &Layout, edges: &[(&str, &str)]) {
        for (a, b) in edges {
            assert!(l.at(a).layer < l.at(b).layer, "{a} (input) above {b} (user): {l:?}");
        }
    }

    #[test]
    fn single_node() {
        let l = run(&["a"], &[]);
        assert_eq!(l.at("a"), Placed { x: MARGIN, y: MARGIN, layer: 0 });
        assert_eq!((l.width, l.height), (NODE_W + 2 * MARGIN, NODE_H + 2 * MARGIN));
    }

    #[test]
    fn empty() {
        let l = layout(&[], &[]);
        assert!(l.nodes.is_empty());
        assert!(l.width > 0 && l.height > 0);
    }

    #[test]
    fn chain_is_one_column() {
        let edges = [("fetch", "build"), ("build", "app")];
        let l = run(&["app", "build", "fetch"], &edges);
        assert_downward(&l, &edges);
        assert_eq!([l.at("fetch").layer, l.at("build").layer, l.at("app").layer], [0, 1, 2]);
        assert_eq!(l.at("fetch").x, l.at("app").x, "a chain is drawn straight down");
        assert_eq!(l.width, NODE_W + 2 * MARGIN, "one box wide");
    }

    #[test]
    fn diamond() {
        let edges = [("src", "a"), ("src", "b"), ("a", "app"), ("b", "app")];
        let l = run(&["a", "app", "b", "src"], &edges);
        assert_downward(&l, &edges);
        assert_eq!(l.at("a").layer, l.at("b").layer);
        assert_eq!(l.at("app").layer, 2);
        // The top and the bottom sit between the two sides.
        let (lo, hi) = (l.at("a").x.min(l.at("b").x), l.at("a").x.max(l.at("b").x));
        assert!(lo < l.at("src").x && l.at("src").x < hi, "{l:?}");
        assert!(lo < l.at("app").x && l.at("app").x < hi, "{l:?}");
    }

    #[test]
    fn fan_out_and_fan_in() {
        let out = [("s", "a"), ("s", "b"), ("s", "c"), ("s", "d")];
        let l = run(&["a", "b", "c", "d", "s"], &out);
        assert_downward(&l, &out);
        assert_eq!(l.nodes.values().filter(|p| p.layer == 1).count(), 4);
        let inn = [("a", "t"), ("b", "t"), ("c", "t")];
        assert_downward(&run(&["a", "b", "c", "t"], &inn), &inn);
    }

    #[test]
    fn long_edges_keep_layers() {
        let edges = [("fetch", "build"), ("build", "app"), ("fetch", "app"), ("app", "test"), ("fetch", "test")];
        let l = run(&["app", "build", "fetch", "test"], &edges);
        assert_downward(&l, &edges);
        assert_eq!(l.at("test").layer, 3);
        // fetch -> test crosses layers 1 and 2 (checked clear of boxes by check_edges).
        assert_eq!(l.bends[&("fetch".into(), "test".into())].len(), 2, "{l:?}");
        assert!(!l.bends.contains_key(&("fetch".into(), "build".into())));
    }

    #[test]
    fn edge_paths() {
        let l = run(&["a", "b", "c"], &[("a", "b"), ("b", "c"), ("c", "b")]);
        let (a, b) = (l.at("a"), l.at("b"));
        // One layer down: the same curve as before the layout crate.
        assert_eq!(
            l.edge_path("a", "b"),
            format!(
                "M{} {} C{} {} {} {} {} {}",
                a.x + 64,
                a.y + 44,
                a.x + 64,
                a.y + 44 + 15,
                b.x + 64,
                b.y - 15,
                b.x + 64,
                b.y
            )
        );
        // b <-> c is a cycle: the search from b keeps b -> c and draws c -> b up, from the top of
        // c into the bottom of b.
        let c = l.at("c");
        assert!(b.layer < c.layer);
        let up = l.edge_path("c", "b");
        assert!(up.starts_with(&format!("M{} {} ", c.x + 64, c.y)), "{up}");
        assert!(up.ends_with(&format!(" {} {}", b.x + 64, b.y + 44)), "{up}");
        // A self-loop stays on the right side of its box.
        let s = l.edge_path("a", "a");
        assert!(
            s.starts_with(&format!("M{} ", a.x + 128)) && s.ends_with(&format!("{} {}", a.x + 128, a.y + 32)),
            "{s}"
        );
    }

    #[test]
    fn disconnected_components_side_by_side() {
        let edges = [("a", "b")];
        let l = run(&["a", "b", "x", "y"], &edges);
        assert_downward(&l, &edges);
        // All on the top layer except b; the components in key order, left to right.
        assert_eq!(l.at("x").layer, 0);
        assert_eq!(l.at("y").layer, 0);
        assert!(l.at("a").x < l.at("x").x && l.at("x").x < l.at("y").x, "{l:?}");
        assert_eq!(l.height, 2 * (NODE_H + GAP_Y) - GAP_Y + 2 * MARGIN);
    }

    #[test]
    fn unknown_keys_self_loops_and_duplicates_are_ignored() {
        let edges = [("a", "b"), ("a", "b"), ("b", "b"), ("ghost", "a"), ("b", "nowhere")];
        let (k, e) = graph(&["a", "b", "a"], &edges);
        let l = layout(&k, &e);
        check_boxes(&l, 2);
        assert_downward(&l, &[("a", "b")]);
    }

    #[test]
    fn cycles_do_not_panic() {
        type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
        let cases: &[Case] = &[
            (&["a", "b"], &[("a", "b"), ("b", "a")]),
            (&["a", "b", "c"], &[("a", "b"), ("b", "c"), ("c", "a")]),
            (&["a", "b", "c", "d"], &[("a", "b"), ("b", "c"), ("c", "b"), ("c", "d"), ("d", "a"), ("a", "a")]),
            (&["a", "b", "c", "x"], &[("a", "b"), ("b", "a"), ("b", "c"), ("x", "x")]),
        ];
        for (keys, edges) in cases {
            let l = run(keys, edges);
            // Every edge still joins two different layers (drawn up or down, never sideways).
            for (a, b) in edges.iter().filter(|(a, b)| a != b) {
                assert_ne!(l.at(a).layer, l.at(b).layer, "{a} -> {b}: {l:?}");
            }
        }
    }

    #[test]
    fn acyclic_breaks_every_cycle() {
        let edges = drvlab_engine::collect::set([(0, 1), (1, 2), (2, 0), (2, 3), (3, 1), (4, 4)]);
        let dag = acyclic(5, &edges);
        // Kahn: every node can be removed, so there is no cycle left.
        let mut indeg = [0usize; 5];
        for &(_, b) in &dag {
            indeg[b] += 1;
        }
        let mut ready: Vec<usize> = (0..5).filter(|&v| indeg[v] == 0).collect();
        let mut seen = 0;
        while let Some(v) = ready.pop() {
            seen += 1;
            for &(a, b) in &dag {
                if a == v {
                    indeg[b] -= 1;
                    if indeg[b] == 0 {
                        ready.push(b);
                    }
                }
            }
        }
        assert_eq!(seen, 5, "{dag:?}");
    }

    /// A graph with crossings to reduce, two long edges and a separate pair.
    fn busy() -> (Vec<String>, Vec<(String, String)>) {
        let keys = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"];
        let e = [
            ("a", "d"),
            ("b", "d"),
            ("c", "e"),
            ("a", "e"),
            ("d", "f"),
            ("e", "f"),
            ("b", "g"),
            ("g", "h"),
            ("f", "h"),
            ("c", "i"),
            ("i", "j"),
            ("j", "k"),
            ("a", "k"),
            ("d", "j"),
            ("l", "m"),
            ("h", "k"),
            ("b", "j"),
        ];
        graph(&keys, &e)
    }

    #[test]
    fn busy_graph() {
        let (k, e) = busy();
        let l = layout(&k, &e);
        check_boxes(&l, k.len());
        check_edges(&l, &e);
        for (a, b) in &e {
            assert!(l.at(a).layer < l.at(b).layer, "{a} above {b}: {l:?}");
        }
    }

    #[test]
    fn deterministic() {
        let (k, e) = busy();
        let first = layout(&k, &e);
        for _ in 0..20 {
            assert_eq!(layout(&k, &e), first);
        }
        // Other threads get other hash seeds.
        for _ in 0..4 {
            let (k, e) = (k.clone(), e.clone());
            assert_eq!(std::thread::spawn(move || layout(&k, &e)).join().unwrap(), first);
        }
        // The order the keys and edges come in does not matter.
        let (mut k2, mut e2) = (k.clone(), e.clone());
        k2.reverse();
        e2.reverse();
        assert_eq!(layout(&k2, &e2), first);
    }

    /// A chain of derivations that all also use one common dependency (stdenv's shape): the
    /// common one's edges share one line down the side, so the drawing stays two boxes wide.
    #[test]
    fn stdenv_shaped_closure_is_narrow() {
        let mut keys = vec!["stdenv".to_string()];
        let mut edges = Vec::new();
        for i in 1..=60 {
            keys.push(format!("d{i:02}"));
            edges.push(("stdenv".to_string(), format!("d{i:02}")));
            if i > 1 {
                edges.push((format!("d{:02}", i - 1), format!("d{i:02}")));
            }
        }
        let l = layout(&keys, &edges);
        check_boxes(&l, keys.len());
        check_edges(&l, &edges);
        assert!(l.width <= 2 * NODE_W + 2 * GAP_X + 2 * MARGIN, "{} px wide", l.width);
        assert_eq!(l.at("d60").layer, 60);
    }

    /// A 20,000-long chain: no recursion to overflow, one column.
    #[test]
    fn a_very_deep_chain() {
        let keys: Vec<String> = (0..20_000).map(|i| format!("k{i:05}")).collect();
        let edges: Vec<(String, String)> = keys.windows(2).map(|w| (w[0].clone(), w[1].clone())).collect();
        let l = layout(&keys, &edges);
        assert_eq!(l.width, NODE_W + 2 * MARGIN);
        assert_eq!(l.at("k19999").layer, 19_999);
    }

    #[test]
    fn focus_on_the_selection() {
        let keys: Vec<String> = (0..100).map(|i| format!("k{i:03}")).collect();
        let mut edges: Vec<(String, String)> = keys.windows(2).map(|w| (w[0].clone(), w[1].clone())).collect();
        edges.extend((1..100).map(|i| ("k000".to_string(), format!("k{i:03}"))));
        let f = focus(&keys, &edges, "k050", 2, 8);
        // k048, k049 and k000 above; k051, k052 below.
        assert_eq!(f.keys, ["k000", "k048", "k049", "k050", "k051", "k052"]);
        assert_eq!(f.hidden["k000"], (0, 94));
        assert_eq!(f.hidden["k048"], (1, 0));
        assert_eq!(f.hidden["k052"], (0, 1));
        assert!(f.edges.iter().all(|(a, b)| f.keys.contains(a) && f.keys.contains(b)));
        let l = layout(&f.keys, &f.edges);
        check_boxes(&l, f.keys.len());
        check_edges(&l, &f.edges);
        // An unknown selection falls back to the first key; an empty graph to nothing.
        assert!(focus(&keys, &edges, "nope", 1, 8).keys.contains(&"k000".to_string()));
        assert_eq!(focus(&[], &[], "x", 2, 8), Focus::default());
    }

    proptest! {
        /// Any graph of up to 15 keys, cycles and self-loops included: no panic, every key placed,
        /// no overlap, and on an acyclic graph every input above its users.
        #[test]
        fn any_small_graph(n in 1usize..=15, raw in proptest::collection::vec((0usize..15, 0usize..15), 0..30)) {
            let keys: Vec<String> = (0..n).map(|i| format!("k{i:02}")).collect();
            let edges: Vec<(String, String)> =
                raw.iter().map(|&(a, b)| (format!("k{:02}", a % n), format!("k{:02}", b % n))).collect();
            let l = layout(&keys, &edges);
            check_boxes(&l, n);
            check_edges(&l, &edges);
            let pairs: BTreeSet<(usize, usize)> = raw.iter().map(|&(a, b)| (a % n, b % n)).filter(|(a, b)| a != b).collect();
            if acyclic(n, &pairs) == pairs {
                for (a, b) in &edges {
                    if a != b {
                        prop_assert!(l.at(a).layer < l.at(b).layer, "{} above {}: {:?}", a, b, l);
                    }
                }
            } else {
                for (a, b) in edges.iter().filter(|(a, b)| a != b) {
                    prop_assert_ne!(l.at(a).layer, l.at(b).layer);
                }
            }
            prop_assert_eq!(layout(&keys, &edges), l);
        }
    }
}
