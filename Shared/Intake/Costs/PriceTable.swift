import Foundation
import HangarSettings

/// Hourly instance prices by region, platform and instance type, for the cost of an
/// environment (``CostReport``).
///
/// The built-in table is the documented file `Shared/Intake/Prices/instance-prices.json` (a
/// resource of this target; see ``BundledResources``). `HANGAR_INSTANCE_PRICES` names a file of
/// the same shape whose entries replace or add to the built-in ones, price by price. Hangar
/// never fetches prices: the figures are what the file says.
public struct PriceTable: Sendable, Equatable {
    /// What the instance runs, as far as its price goes.
    public enum Platform: String, Sendable, CaseIterable {
        case linux, windows

        /// `windows` when the provider's platform text names Windows, else `linux`.
        init(describing platform: String?) {
            self = platform?.lowercased().contains("windows") == true ? .windows : .linux
        }
    }

    /// The currency of every price, such as `USD`; an override file must use the same one.
    public var currency: String
    /// The region of an environment that names none (simulated ones, usually).
    public var defaultRegion: String
    /// region → platform → instance type → price per hour.
    public var prices: [String: [Platform: [String: Double]]]
    /// The files it was read from, in order.
    public var sources: [String]

    /// The hourly price, or `nil` when the table has none for that region, platform and type.
    public func price(region: String?, platform: Platform, instanceType: String) -> Double? {
        prices[region ?? defaultRegion]?[platform]?[instanceType]
    }

    /// This table with `other`'s prices replacing or adding to its own.
    func overlaid(with other: PriceTable) throws(SettingError) -> PriceTable {
        guard other.currency == currency else {
            throw SettingError(
                Setting.instancePrices.name,
                problem: "\(other.sources.joined()) gives prices in \(other.currency); the built-in table's are in \(currency)")
        }
        var merged = self
        for (region, platforms) in other.prices {
            for (platform, types) in platforms {
                merged.prices[region, default: [:]][platform, default: [:]].merge(types) { $1 }
            }
        }
        merged.defaultRegion = other.defaultRegion
        merged.sources += other.sources
        return merged
    }

    /// Reads a table file: `currency`, optional `defaultRegion` and `about`, and `regions`
    /// (region → `linux`/`windows` → instance type → a price ≥ 0). Each mistake is named.
    static func decode(_ data: Data, source: String, defaultRegion fallback: String? = nil) throws(SettingError) -> PriceTable {
        func fail(_ why: String) -> SettingError { SettingError(Setting.instancePrices.name, problem: "price table \(source): \(why)") }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw fail("not a JSON object") }
        let known: Set<String> = ["about", "currency", "defaultRegion", "regions"]
        if let unknown = root.keys.filter({ !known.contains($0) }).sorted().first { throw fail("unknown field '\(unknown)'") }
        guard let currency = root["currency"] as? String, !currency.isEmpty else { throw fail("'currency' must be a text such as USD") }
        guard let defaultRegion = root["defaultRegion"] as? String ?? fallback else { throw fail("'defaultRegion' is missing") }
        guard let regions = root["regions"] as? [String: Any] else { throw fail("'regions' must be an object of regions") }
        var prices: [String: [Platform: [String: Double]]] = [:]
        for (region, value) in regions {
            guard let platforms = value as? [String: Any] else { throw fail("regions.\(region) must be an object of platforms") }
            for (name, value) in platforms {
                guard let platform = Platform(rawValue: name) else {
                    throw fail("regions.\(region).\(name): platforms are \(Platform.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard let types = value as? [String: Any] else { throw fail("regions.\(region).\(name) must be an object of instance types") }
                for (type, price) in types {
                    guard let number = price as? NSNumber, !(price is Bool), number.doubleValue.isFinite, number.doubleValue >= 0 else {
                        throw fail("regions.\(region).\(name).\(type) must be a price per hour of 0 or more")
                    }
                    prices[region, default: [:]][platform, default: [:]][type] = number.doubleValue
                }
            }
        }
        return PriceTable(currency: currency, defaultRegion: defaultRegion, prices: prices, sources: [source])
    }

    /// The built-in table, read once: none when the file is not found.
    static let builtIn: Result<PriceTable, SettingError> = {
        guard let folder = BundledResources.directory(named: "Prices", containing: "instance-prices.json") else {
            return .success(PriceTable(currency: "USD", defaultRegion: "us-east-1", prices: [:], sources: []))
        }
        let path = "\(folder)/instance-prices.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(SettingError(Setting.instancePrices.name, problem: "cannot read the built-in price table \(path)"))
        }
        return Result { () throws(SettingError) in try decode(data, source: path) }
    }()

    /// The built-in table, with the file `overrides` (`HANGAR_INSTANCE_PRICES`) laid over it.
    /// Without a built-in file (a binary moved without its resources), only the override's
    /// prices, or none.
    public static func load(overrides: String?) throws(SettingError) -> PriceTable {
        var table = try builtIn.get()
        if let overrides {
            guard let data = FileManager.default.contents(atPath: overrides) else {
                throw SettingError(Setting.instancePrices.name, problem: "cannot read the file \(overrides)")
            }
            table = try table.overlaid(with: decode(data, source: overrides, defaultRegion: table.defaultRegion))
        }
        return table
    }
}
