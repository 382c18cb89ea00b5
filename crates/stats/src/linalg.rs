//! Small dense linear algebra: just what regression needs.
//!
//! Matrices are row-major `Vec<f64>`. Least squares uses Householder QR
//! (Golub & Van Loan 2013, *Matrix Computations*, 4th ed., §5.2), which is
//! accurate for the moderately ill-conditioned designs that dummy-heavy
//! regressions produce; symmetric positive definite systems (X′WX in IRLS)
//! use Cholesky (§4.2). Rank deficiency is reported as an error rather than
//! silently resolved, because a dropped column changes what a coefficient means.

use crate::StatsError;

/// A dense row-major matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A `rows × cols` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// The identity matrix of order `n`.
    pub fn identity(n: usize) -> Self {
        let mut m = Self::zeros(n, n);
        for i in 0..n {
            m[(i, i)] = 1.0;
        }
        m
    }

    /// Builds a matrix from row-major data.
    pub fn from_row_major(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self, StatsError> {
        if data.len() != rows * cols {
            return Err(StatsError::LengthMismatch {
                what: "matrix data",
                expected: rows * cols,
                got: data.len(),
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// Builds a matrix from equal-length rows.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, StatsError> {
        let cols = rows.first().map_or(0, Vec::len);
        let mut data = Vec::with_capacity(rows.len() * cols);
        for r in rows {
            if r.len() != cols {
                return Err(StatsError::LengthMismatch {
                    what: "matrix row",
                    expected: cols,
                    got: r.len(),
                });
            }
            data.extend_from_slice(r);
        }
        Ok(Self {
            rows: rows.len(),
            cols,
            data,
        })
    }

    /// Builds a matrix from equal-length columns.
    pub fn from_columns(columns: &[Vec<f64>]) -> Result<Self, StatsError> {
        let rows = columns.first().map_or(0, Vec::len);
        let cols = columns.len();
        let mut m = Self::zeros(rows, cols);
        for (j, c) in columns.iter().enumerate() {
            if c.len() != rows {
                return Err(StatsError::LengthMismatch {
                    what: "matrix column",
                    expected: rows,
                    got: c.len(),
                });
            }
            for (i, v) in c.iter().enumerate() {
                m[(i, j)] = *v;
            }
        }
        Ok(m)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i` as a slice.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Column `j`, copied.
    pub fn column(&self, j: usize) -> Vec<f64> {
        (0..self.rows).map(|i| self[(i, j)]).collect()
    }

    /// The diagonal, copied.
    pub fn diagonal(&self) -> Vec<f64> {
        (0..self.rows.min(self.cols))
            .map(|i| self[(i, i)])
            .collect()
    }

    /// The transpose.
    pub fn transpose(&self) -> Self {
        let mut t = Self::zeros(self.cols, self.rows);
        for i in 0..self.rows {
            for j in 0..self.cols {
                t[(j, i)] = self[(i, j)];
            }
        }
        t
    }

    /// Matrix product `self · other`.
    pub fn matmul(&self, other: &Matrix) -> Result<Matrix, StatsError> {
        if self.cols != other.rows {
            return Err(StatsError::LengthMismatch {
                what: "matrix product inner dimension",
                expected: self.cols,
                got: other.rows,
            });
        }
        let mut out = Self::zeros(self.rows, other.cols);
        for i in 0..self.rows {
            for k in 0..self.cols {
                let a = self[(i, k)];
                if a == 0.0 {
                    continue;
                }
                let orow = other.row(k);
                let dst = &mut out.data[i * other.cols..(i + 1) * other.cols];
                for (d, b) in dst.iter_mut().zip(orow) {
                    *d += a * b;
                }
            }
        }
        Ok(out)
    }

    /// Matrix–vector product `self · v`.
    pub fn matvec(&self, v: &[f64]) -> Result<Vec<f64>, StatsError> {
        if v.len() != self.cols {
            return Err(StatsError::LengthMismatch {
                what: "matrix-vector product",
                expected: self.cols,
                got: v.len(),
            });
        }
        Ok((0..self.rows).map(|i| dot(self.row(i), v)).collect())
    }

    /// The weighted cross-product X′ diag(w) X (w = 1 when `weights` is `None`).
    pub fn weighted_gram(&self, weights: Option<&[f64]>) -> Matrix {
        let p = self.cols;
        let mut g = Self::zeros(p, p);
        for i in 0..self.rows {
            let w = weights.map_or(1.0, |w| w[i]);
            if w == 0.0 {
                continue;
            }
            let r = self.row(i);
            for a in 0..p {
                let ra = w * r[a];
                if ra == 0.0 {
                    continue;
                }
                let grow = &mut g.data[a * p..(a + 1) * p];
                for b in a..p {
                    grow[b] += ra * r[b];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                g.data[a * p + b] = g.data[b * p + a];
            }
        }
        g
    }

    /// X′ diag(w) y.
    pub fn weighted_cross(&self, weights: Option<&[f64]>, y: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.cols];
        for i in 0..self.rows {
            let w = weights.map_or(1.0, |w| w[i]) * y[i];
            if w == 0.0 {
                continue;
            }
            for (o, x) in out.iter_mut().zip(self.row(i)) {
                *o += w * x;
            }
        }
        out
    }

    /// Keeps only the listed columns, in the given order.
    pub fn select_columns(&self, keep: &[usize]) -> Matrix {
        let mut m = Self::zeros(self.rows, keep.len());
        for i in 0..self.rows {
            for (jj, &j) in keep.iter().enumerate() {
                m[(i, jj)] = self[(i, j)];
            }
        }
        m
    }

    /// Keeps only the listed rows, in the given order.
    pub fn select_rows(&self, keep: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(keep.len() * self.cols);
        for &i in keep {
            data.extend_from_slice(self.row(i));
        }
        Matrix {
            rows: keep.len(),
            cols: self.cols,
            data,
        }
    }

    /// True when every entry is finite.
    pub fn is_finite(&self) -> bool {
        self.data.iter().all(|v| v.is_finite())
    }
}

impl std::ops::Index<(usize, usize)> for Matrix {
    type Output = f64;
    fn index(&self, (i, j): (usize, usize)) -> &f64 {
        &self.data[i * self.cols + j]
    }
}

impl std::ops::IndexMut<(usize, usize)> for Matrix {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut f64 {
        &mut self.data[i * self.cols + j]
    }
}

/// Dot product of two equal-length slices.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    // A plain loop: the iterator chain is many times slower in unoptimised
    // (test) builds, and the same in release builds.
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = 0.0;
    for i in 0..n {
        s += a[i] * b[i];
    }
    s
}

/// A Cholesky factor L with A = L L′.
#[derive(Debug, Clone)]
pub struct Cholesky {
    l: Matrix,
}

impl Cholesky {
    /// Factorises a symmetric positive definite matrix. A pivot that is not
    /// clearly positive (relative to the matrix's scale) means the matrix is
    /// singular for our purposes.
    pub fn new(a: &Matrix) -> Result<Self, StatsError> {
        let n = a.rows;
        if a.cols != n {
            return Err(StatsError::LengthMismatch {
                what: "Cholesky: square matrix",
                expected: n,
                got: a.cols,
            });
        }
        let scale = (0..n).map(|i| a[(i, i)].abs()).fold(0.0, f64::max);
        let mut l = Matrix::zeros(n, n);
        for j in 0..n {
            let mut d = a[(j, j)];
            for k in 0..j {
                d -= l[(j, k)] * l[(j, k)];
            }
            // NaN fails too.
            if d.is_nan() || d <= 1e-13 * scale.max(f64::MIN_POSITIVE) || !d.is_finite() {
                return Err(StatsError::Singular {
                    what: "matrix is not positive definite (collinear columns?)",
                });
            }
            let djj = d.sqrt();
            l[(j, j)] = djj;
            for i in j + 1..n {
                let mut s = a[(i, j)];
                for k in 0..j {
                    s -= l[(i, k)] * l[(j, k)];
                }
                l[(i, j)] = s / djj;
            }
        }
        Ok(Self { l })
    }

    /// Solves A x = b.
    pub fn solve(&self, b: &[f64]) -> Vec<f64> {
        let n = self.l.rows;
        let mut y = b.to_vec();
        for i in 0..n {
            let mut s = y[i];
            for k in 0..i {
                s -= self.l[(i, k)] * y[k];
            }
            y[i] = s / self.l[(i, i)];
        }
        for i in (0..n).rev() {
            let mut s = y[i];
            for k in i + 1..n {
                s -= self.l[(k, i)] * y[k];
            }
            y[i] = s / self.l[(i, i)];
        }
        y
    }

    /// A⁻¹.
    pub fn inverse(&self) -> Matrix {
        let n = self.l.rows;
        let mut inv = Matrix::zeros(n, n);
        let mut e = vec![0.0; n];
        for j in 0..n {
            e.iter_mut().for_each(|v| *v = 0.0);
            e[j] = 1.0;
            let col = self.solve(&e);
            for i in 0..n {
                inv[(i, j)] = col[i];
            }
        }
        // Symmetrise against rounding.
        for i in 0..n {
            for j in 0..i {
                let m = 0.5 * (inv[(i, j)] + inv[(j, i)]);
                inv[(i, j)] = m;
                inv[(j, i)] = m;
            }
        }
        inv
    }

    /// ln det A.
    pub fn ln_det(&self) -> f64 {
        2.0 * self.l.diagonal().iter().map(|d| d.ln()).sum::<f64>()
    }
}

/// Inverse of a symmetric positive definite matrix.
pub fn spd_inverse(a: &Matrix) -> Result<Matrix, StatsError> {
    Ok(Cholesky::new(a)?.inverse())
}

/// Inverse of a general square matrix by LU decomposition with partial pivoting.
pub fn inverse(a: &Matrix) -> Result<Matrix, StatsError> {
    let n = a.rows;
    if a.cols != n {
        return Err(StatsError::LengthMismatch {
            what: "inverse: square matrix",
            expected: n,
            got: a.cols,
        });
    }
    let scale = a.data.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let mut m = a.clone();
    let mut inv = Matrix::identity(n);
    for col in 0..n {
        let (piv, best) = (col..n)
            .map(|r| (r, m[(r, col)].abs()))
            .fold((col, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
        if best.is_nan() || best <= 1e-13 * scale {
            return Err(StatsError::Singular {
                what: "matrix is singular",
            });
        }
        if piv != col {
            for j in 0..n {
                m.data.swap(piv * n + j, col * n + j);
                inv.data.swap(piv * n + j, col * n + j);
            }
        }
        let d = m[(col, col)];
        for j in 0..n {
            m[(col, j)] /= d;
            inv[(col, j)] /= d;
        }
        for r in 0..n {
            if r == col {
                continue;
            }
            let f = m[(r, col)];
            if f == 0.0 {
                continue;
            }
            for j in 0..n {
                m[(r, j)] -= f * m[(col, j)];
                inv[(r, j)] -= f * inv[(col, j)];
            }
        }
    }
    Ok(inv)
}

/// The result of a least-squares solve.
#[derive(Debug, Clone)]
pub struct LeastSquares {
    /// Coefficients β minimising ‖y − Xβ‖².
    pub coef: Vec<f64>,
    /// (X′X)⁻¹, from the triangular factor R: (R′R)⁻¹.
    pub xtx_inv: Matrix,
}

/// Least squares by Householder QR. Fails with [`StatsError::Singular`] when a
/// column is (numerically) a combination of the others.
pub fn least_squares(x: &Matrix, y: &[f64]) -> Result<LeastSquares, StatsError> {
    let (n, p) = (x.rows, x.cols);
    if y.len() != n {
        return Err(StatsError::LengthMismatch {
            what: "least squares: response",
            expected: n,
            got: y.len(),
        });
    }
    if n < p {
        return Err(StatsError::TooFewObservations {
            what: "least squares",
            needed: p,
            got: n,
        });
    }
    // Work column-major for cache-friendly Householder updates.
    let mut a: Vec<Vec<f64>> = (0..p).map(|j| x.column(j)).collect();
    let mut qty = y.to_vec();
    let col_norms: Vec<f64> = a.iter().map(|c| dot(c, c).sqrt()).collect();
    let mut r = Matrix::zeros(p, p);
    for k in 0..p {
        let norm = a[k][k..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm.is_nan() || norm <= 1e-10 * col_norms[k] || !norm.is_finite() {
            return Err(StatsError::Singular {
                what: "design matrix has collinear or all-zero columns",
            });
        }
        let alpha = if a[k][k] > 0.0 { -norm } else { norm };
        // v = x − alpha e1, stored in place of the column below the diagonal.
        let mut v: Vec<f64> = a[k][k..].to_vec();
        v[0] -= alpha;
        let vnorm2 = dot(&v, &v);
        r[(k, k)] = alpha;
        if vnorm2 > 0.0 {
            for col in a.iter_mut().skip(k + 1) {
                let s = 2.0 * dot(&v, &col[k..]) / vnorm2;
                for (c, vi) in col[k..].iter_mut().zip(&v) {
                    *c -= s * vi;
                }
            }
            let s = 2.0 * dot(&v, &qty[k..]) / vnorm2;
            for (c, vi) in qty[k..].iter_mut().zip(&v) {
                *c -= s * vi;
            }
        }
        for j in k + 1..p {
            r[(k, j)] = a[j][k];
        }
    }
    // Back substitution R β = (Q′y)[..p].
    let mut coef = vec![0.0; p];
    for i in (0..p).rev() {
        let mut s = qty[i];
        for j in i + 1..p {
            s -= r[(i, j)] * coef[j];
        }
        coef[i] = s / r[(i, i)];
    }
    // R⁻¹ then (X′X)⁻¹ = R⁻¹ R⁻′.
    let mut rinv = Matrix::zeros(p, p);
    for j in 0..p {
        rinv[(j, j)] = 1.0 / r[(j, j)];
        for i in (0..j).rev() {
            let mut s = 0.0;
            for k in i + 1..=j {
                s += r[(i, k)] * rinv[(k, j)];
            }
            rinv[(i, j)] = -s / r[(i, i)];
        }
    }
    let mut xtx_inv = Matrix::zeros(p, p);
    for i in 0..p {
        for j in i..p {
            let mut s = 0.0;
            for k in j..p {
                s += rinv[(i, k)] * rinv[(j, k)];
            }
            xtx_inv[(i, j)] = s;
            xtx_inv[(j, i)] = s;
        }
    }
    Ok(LeastSquares { coef, xtx_inv })
}

/// Non-negative least squares with the weights summing to one, minimising
/// ‖y − Xw‖² subject to w ≥ 0 and Σw = 1, by projected gradient with an
/// exact projection onto the simplex (Duchi, Shalev-Shwartz, Singer & Chandra
/// 2008, "Efficient projections onto the l1-ball", ICML) and Nesterov
/// acceleration. Used by the synthetic control method.
pub fn simplex_least_squares(
    x: &Matrix,
    y: &[f64],
    max_iter: usize,
    tol: f64,
) -> Result<Vec<f64>, StatsError> {
    let p = x.cols;
    if p == 0 {
        return Err(StatsError::TooFewObservations {
            what: "simplex least squares: columns",
            needed: 1,
            got: 0,
        });
    }
    let g = x.weighted_gram(None);
    let c = x.weighted_cross(None, y);
    // Lipschitz constant of the gradient: the largest eigenvalue of X′X,
    // bounded above by its trace-free row-sum bound (Gershgorin).
    let lip = (0..p)
        .map(|i| g.row(i).iter().map(|v| v.abs()).sum::<f64>())
        .fold(0.0, f64::max)
        .max(1e-300);
    let step = 1.0 / lip;
    let mut w = vec![1.0 / p as f64; p];
    let mut z = w.clone();
    let mut t = 1.0_f64;
    let grad = |v: &[f64]| -> Vec<f64> { (0..p).map(|i| dot(g.row(i), v) - c[i]).collect() };
    for _ in 0..max_iter {
        let gz = grad(&z);
        let mut next: Vec<f64> = z.iter().zip(&gz).map(|(a, b)| a - step * b).collect();
        project_simplex(&mut next);
        let t_next = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
        let mom = (t - 1.0) / t_next;
        let change = next
            .iter()
            .zip(&w)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        z = next
            .iter()
            .zip(&w)
            .map(|(a, b)| a + mom * (a - b))
            .collect();
        w = next;
        t = t_next;
        if change < tol {
            break;
        }
    }
    Ok(w)
}

/// Euclidean projection onto {w : w ≥ 0, Σw = 1}.
fn project_simplex(v: &mut [f64]) {
    let mut u: Vec<f64> = v.to_vec();
    u.sort_by(|a, b| b.total_cmp(a));
    let mut cumsum = 0.0;
    let mut theta = 0.0;
    for (i, ui) in u.iter().enumerate() {
        cumsum += ui;
        let t = (cumsum - 1.0) / (i as f64 + 1.0);
        if ui - t > 0.0 {
            theta = t;
        }
    }
    for x in v.iter_mut() {
        *x = (*x - theta).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_of_textbook_matrix() {
        // A = L L′ with L = [[2,0,0],[6,1,0],[−8,5,3]]; multiply out by hand to get A.
        let a = Matrix::from_rows(&[
            vec![4.0, 12.0, -16.0],
            vec![12.0, 37.0, -43.0],
            vec![-16.0, -43.0, 98.0],
        ])
        .unwrap();
        let c = Cholesky::new(&a).unwrap();
        let want = [[2.0, 0.0, 0.0], [6.0, 1.0, 0.0], [-8.0, 5.0, 3.0]];
        for (i, row) in want.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                assert!((c.l[(i, j)] - v).abs() < 1e-12);
            }
        }
        // det A = (2·1·3)² = 36.
        assert!((c.ln_det() - 36f64.ln()).abs() < 1e-12);
        // Solve A x = A·(1, 2, 3).
        let b = a.matvec(&[1.0, 2.0, 3.0]).unwrap();
        let x = c.solve(&b);
        for (xi, want) in x.iter().zip([1.0, 2.0, 3.0]) {
            assert!((xi - want).abs() < 1e-10);
        }
        let not_pd = Matrix::from_rows(&[vec![1.0, 2.0], vec![2.0, 1.0]]).unwrap();
        assert!(matches!(
            Cholesky::new(&not_pd),
            Err(StatsError::Singular { .. })
        ));
    }

    #[test]
    fn general_inverse_by_hand() {
        // [[4,7],[2,6]]⁻¹ = 1/10 [[6,−7],[−2,4]].
        let a = Matrix::from_rows(&[vec![4.0, 7.0], vec![2.0, 6.0]]).unwrap();
        let inv = inverse(&a).unwrap();
        let want = [[0.6, -0.7], [-0.2, 0.4]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((inv[(i, j)] - want[i][j]).abs() < 1e-14);
            }
        }
        let singular = Matrix::from_rows(&[vec![1.0, 2.0], vec![2.0, 4.0]]).unwrap();
        assert!(inverse(&singular).is_err());
    }

    #[test]
    fn least_squares_line_by_hand() {
        // Points (1,1), (2,2), (3,2), (4,4): x̄ = 2.5, ȳ = 2.25, Sxy = 4.5, Sxx = 5,
        // slope 0.9, intercept 0; (X′X)⁻¹ = [[30, −10], [−10, 4]] / 20.
        let x = Matrix::from_rows(&[
            vec![1.0, 1.0],
            vec![1.0, 2.0],
            vec![1.0, 3.0],
            vec![1.0, 4.0],
        ])
        .unwrap();
        let ls = least_squares(&x, &[1.0, 2.0, 2.0, 4.0]).unwrap();
        assert!(ls.coef[0].abs() < 1e-14 && (ls.coef[1] - 0.9).abs() < 1e-14);
        let want = [[1.5, -0.5], [-0.5, 0.2]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((ls.xtx_inv[(i, j)] - want[i][j]).abs() < 1e-13);
            }
        }
        let collinear =
            Matrix::from_rows(&[vec![1.0, 2.0], vec![1.0, 2.0], vec![1.0, 2.0]]).unwrap();
        assert!(matches!(
            least_squares(&collinear, &[1.0, 2.0, 3.0]),
            Err(StatsError::Singular { .. })
        ));
    }

    #[test]
    fn simplex_weights_recover_a_convex_combination() {
        // y = 0.3 x₁ + 0.7 x₂ exactly, x₃ unrelated: the weights are (0.3, 0.7, 0).
        let x1 = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0];
        let x2 = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0];
        let x3 = [9.0, 0.0, 7.0, 1.0, 8.0, 0.5];
        let y: Vec<f64> = x1.iter().zip(&x2).map(|(a, b)| 0.3 * a + 0.7 * b).collect();
        let x = Matrix::from_columns(&[x1.to_vec(), x2.to_vec(), x3.to_vec()]).unwrap();
        let w = simplex_least_squares(&x, &y, 100_000, 1e-14).unwrap();
        assert!(
            (w[0] - 0.3).abs() < 1e-6 && (w[1] - 0.7).abs() < 1e-6 && w[2].abs() < 1e-6,
            "{w:?}"
        );
        // The projection itself: (0.5, 0.5, 2) projects to (0, 0, 1).
        let mut v = [0.5, 0.5, 2.0];
        project_simplex(&mut v);
        assert_eq!(v, [0.0, 0.0, 1.0]);
    }
}
