/// Higher score first, ties by the smaller id: the order every ranked list
/// here uses. Written without negating the id, which traps for Int64.min
/// (an id any caller can send). Call it from a closure
/// (`sorted { higherScoreFirst($0, $1) }`): passed as a function value it
/// runs unspecialised, looking up tuple metadata on every comparison.
@inlinable
public func higherScoreFirst<ID: Comparable, Score: Comparable>(_ a: (ID, Score), _ b: (ID, Score)) -> Bool {
    a.1 != b.1 ? a.1 > b.1 : a.0 < b.0
}
