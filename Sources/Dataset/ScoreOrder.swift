/// Higher score first, ties by the smaller id: the order every ranked list
/// here uses. Written without negating the id, which traps for Int64.min
/// (an id any caller can send).
public func higherScoreFirst<ID: Comparable, Score: Comparable>(_ a: (ID, Score), _ b: (ID, Score)) -> Bool {
    a.1 != b.1 ? a.1 > b.1 : a.0 < b.0
}
