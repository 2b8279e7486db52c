/// 事故类别 by GB 6441-86 (企业职工伤亡事故分类): the twenty categories and their two-digit codes.
///
/// A pipeline without `accident_categories` uses this list; a pipeline may give its own list (the
/// same categories with the local spellings its departments use as aliases). A category is read
/// by name, alias or code (`09`, `9`, `高处坠落`), and is optional: an accident without one is
/// counted under 不详 in the category breakdown, never under a guessed category.
public enum AccidentCategories {
    public static let gb6441: [CodeList.Entry] = [
        "物体打击", "车辆伤害", "机械伤害", "起重伤害", "触电", "淹溺", "灼烫", "火灾", "高处坠落", "坍塌",
        "冒顶片帮", "透水", "放炮", "火药爆炸", "瓦斯爆炸", "锅炉爆炸", "容器爆炸", "其它爆炸", "中毒和窒息", "其它伤害",
    ].enumerated().map { index, name in
        let code = index + 1
        return CodeList.Entry(name: name, aliases: [(code < 10 ? "0" : "") + String(code)] + (code < 10 ? [String(code)] : []),
                              codes: [(code < 10 ? "0" : "") + String(code)])
    }

    /// The breakdown key of accidents that name no category.
    public static let unknownKey = "不详"
}
