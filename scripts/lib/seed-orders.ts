/**
 * Realistic, valid orders for the seeder and the benchmarks, and the writer
 * that sends them through the API.
 *
 * Every random choice of an order comes from the generator passed in, so a
 * seed reproduces the same orders. A customer's profile (market, name,
 * address, usual payment and carrier) depends only on the customer's number,
 * so `cust-00042` is the same person in every run and every seed.
 *
 * Money is computed in minor units (cents, or whole units for currencies
 * without them) and divided once at the end, so payment.amount is exactly
 * goods_total + delivery_cost + custom_fee, and goods_total is the sum of the
 * items' total_price.
 */
import type { Item, OrderDraft } from '../../packages/domain/src/index.js';

/** A source of uniformly distributed numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a small, fast 32-bit PRNG; plenty for test data, never for secrets. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The seed of order `index` in a run seeded with `seed`. Each order has its own
 * generator, so an order does not depend on how many requests run at once.
 */
export function orderSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** How many distinct customers a run of `count` orders draws from: about one per five orders. */
export function customerPoolSize(count: number): number {
  return Math.max(1, Math.ceil(count / 5));
}

export interface GenerateOrderOptions {
  /** Size of the customer pool; orders 0..customers-1 each get a different customer. Default 20. */
  customers?: number;
  /** Dates fall in the year before this instant. Default: the start of the current UTC day. */
  anchor?: Date;
}

type Name = string | readonly [display: string, latin: string];
type SizeKind = 'shoe' | 'clothes' | 'waist' | 'none';

interface Market {
  locale: string;
  currency: string;
  /** Digits after the decimal point of the currency's prices. */
  minorDigits: 0 | 2;
  /** Local minor units per US cent, roughly. */
  perUsdCent: number;
  cities: readonly (readonly [city: string, region: string, zipPrefix: string])[];
  zipDigits: number;
  streets: readonly string[];
  /** Formats a house number and a street into this market's usual order. */
  address: (house: number, street: string) => string;
  firstNames: readonly Name[];
  lastNames: readonly Name[];
  phone: (rng: Random) => string;
  providers: readonly string[];
  banks: readonly string[];
  deliveryServices: readonly string[];
  emailDomains: readonly string[];
}

const digits = (rng: Random, n: number): string => Array.from({ length: n }, () => String(Math.floor(rng() * 10))).join('');

const MARKETS: readonly Market[] = [
  {
    locale: 'en',
    currency: 'USD',
    minorDigits: 2,
    perUsdCent: 1,
    cities: [
      ['San Francisco', 'CA', '941'],
      ['New York', 'NY', '100'],
      ['Austin', 'TX', '787'],
      ['Seattle', 'WA', '981'],
      ['Chicago', 'IL', '606'],
    ],
    zipDigits: 2,
    streets: ['Market St', 'Broadway', 'Oak Ave', 'Maple Dr', 'Pine St', '5th Ave', 'Sunset Blvd'],
    address: (house, street) => `${house} ${street}`,
    firstNames: ['John', 'Emily', 'Michael', 'Sarah', 'David', 'Jessica', 'Chris', 'Ashley'],
    lastNames: ['Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Miller', 'Davis', 'Wilson'],
    phone: (rng) => `+1-555-01${digits(rng, 2)}`,
    providers: ['visa', 'mastercard', 'applepay', 'paypal', 'wbpay'],
    banks: ['Chase', 'Bank of America', 'Wells Fargo', 'Citibank'],
    deliveryServices: ['UPS', 'FedEx', 'USPS', 'DHL'],
    emailDomains: ['example.com', 'example.org', 'example.net'],
  },
  {
    locale: 'de',
    currency: 'EUR',
    minorDigits: 2,
    perUsdCent: 0.92,
    cities: [
      ['Berlin', 'Berlin', '10'],
      ['München', 'Bayern', '80'],
      ['Hamburg', 'Hamburg', '20'],
      ['Köln', 'Nordrhein-Westfalen', '50'],
    ],
    zipDigits: 3,
    streets: ['Hauptstraße', 'Bahnhofstraße', 'Gartenstraße', 'Schillerstraße', 'Lindenallee'],
    address: (house, street) => `${street} ${house}`,
    firstNames: ['Lukas', 'Anna', 'Jonas', 'Lea', 'Felix', 'Marie', 'Paul', 'Sophie'],
    lastNames: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker'],
    phone: (rng) => `+49 30 ${digits(rng, 7)}`,
    providers: ['visa', 'mastercard', 'paypal', 'googlepay', 'wbpay'],
    banks: ['Deutsche Bank', 'Commerzbank', 'Sparkasse', 'ING'],
    deliveryServices: ['DHL', 'Hermes', 'DPD', 'GLS'],
    emailDomains: ['example.de', 'example.com'],
  },
  {
    locale: 'ru',
    currency: 'RUB',
    minorDigits: 0,
    perUsdCent: 0.92,
    cities: [
      ['Москва', 'Москва', '101'],
      ['Санкт-Петербург', 'Санкт-Петербург', '190'],
      ['Казань', 'Республика Татарстан', '420'],
      ['Новосибирск', 'Новосибирская область', '630'],
      ['Екатеринбург', 'Свердловская область', '620'],
    ],
    zipDigits: 3,
    streets: ['ул. Ленина', 'ул. Пушкина', 'пр. Мира', 'ул. Гагарина', 'Садовая ул.'],
    address: (house, street) => `${street}, д. ${house}`,
    firstNames: [
      ['Иван', 'ivan'],
      ['Анна', 'anna'],
      ['Дмитрий', 'dmitry'],
      ['Мария', 'maria'],
      ['Алексей', 'alexey'],
      ['Екатерина', 'ekaterina'],
    ],
    lastNames: [
      ['Иванов', 'ivanov'],
      ['Смирнов', 'smirnov'],
      ['Кузнецов', 'kuznetsov'],
      ['Попов', 'popov'],
      ['Соколов', 'sokolov'],
      ['Лебедев', 'lebedev'],
    ],
    phone: (rng) => `+7 9${digits(rng, 2)} ${digits(rng, 3)}-${digits(rng, 2)}-${digits(rng, 2)}`,
    providers: ['wbpay', 'mir', 'sbp', 'visa', 'mastercard'],
    banks: ['Сбербанк', 'Т-Банк', 'Альфа-Банк', 'ВТБ'],
    deliveryServices: ['WB Logistics', 'СДЭК', 'Boxberry', 'Почта России'],
    emailDomains: ['example.ru', 'example.com'],
  },
  {
    locale: 'kk',
    currency: 'KZT',
    minorDigits: 0,
    perUsdCent: 4.8,
    cities: [
      ['Алматы', 'Алматы', '050'],
      ['Астана', 'Астана', '010'],
      ['Шымкент', 'Шымкент', '160'],
    ],
    zipDigits: 3,
    streets: ['пр. Абая', 'ул. Толе би', 'пр. Достык', 'ул. Сатпаева'],
    address: (house, street) => `${street}, ${house}`,
    firstNames: [
      ['Айгерим', 'aigerim'],
      ['Нурлан', 'nurlan'],
      ['Алия', 'aliya'],
      ['Ерлан', 'yerlan'],
      ['Динара', 'dinara'],
    ],
    lastNames: [
      ['Ахметов', 'akhmetov'],
      ['Сейткали', 'seitkali'],
      ['Жумабаев', 'zhumabayev'],
      ['Касымов', 'kassymov'],
    ],
    phone: (rng) => `+7 7${digits(rng, 2)} ${digits(rng, 3)} ${digits(rng, 4)}`,
    providers: ['wbpay', 'kaspi', 'visa', 'mastercard'],
    banks: ['Kaspi Bank', 'Halyk Bank', 'ForteBank', 'Jusan Bank'],
    deliveryServices: ['WB Logistics', 'Kazpost', 'СДЭК'],
    emailDomains: ['example.kz', 'example.com'],
  },
  {
    locale: 'en',
    currency: 'GBP',
    minorDigits: 2,
    perUsdCent: 0.79,
    cities: [
      ['London', 'Greater London', 'SW1A '],
      ['Manchester', 'Greater Manchester', 'M1 '],
      ['Edinburgh', 'Scotland', 'EH1 '],
    ],
    zipDigits: 1,
    streets: ['High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Park Avenue'],
    address: (house, street) => `${house} ${street}`,
    firstNames: ['Oliver', 'Amelia', 'Harry', 'Isla', 'George', 'Ava', 'Jack', 'Olivia'],
    lastNames: ['Taylor', 'Jones', 'Evans', 'Thomas', 'Roberts', 'Walker', 'Wright', 'Hughes'],
    phone: (rng) => `+44 20 7946 0${digits(rng, 3)}`,
    providers: ['visa', 'mastercard', 'applepay', 'paypal'],
    banks: ['Barclays', 'HSBC', 'Lloyds', 'Monzo'],
    deliveryServices: ['Royal Mail', 'DPD', 'Evri', 'DHL'],
    emailDomains: ['example.co.uk', 'example.com'],
  },
  {
    locale: 'fr',
    currency: 'EUR',
    minorDigits: 2,
    perUsdCent: 0.92,
    cities: [
      ['Paris', 'Île-de-France', '750'],
      ['Lyon', 'Auvergne-Rhône-Alpes', '690'],
      ['Marseille', "Provence-Alpes-Côte d'Azur", '130'],
    ],
    zipDigits: 2,
    streets: ['rue de la République', 'avenue Victor Hugo', 'boulevard Voltaire', 'rue Pasteur'],
    address: (house, street) => `${house} ${street}`,
    firstNames: ['Léa', 'Hugo', 'Chloé', 'Louis', 'Camille', 'Gabriel', 'Manon'],
    lastNames: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Petit', 'Durand'],
    phone: (rng) => `+33 6 ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)}`,
    providers: ['visa', 'mastercard', 'paypal', 'applepay'],
    banks: ['BNP Paribas', 'Crédit Agricole', 'Société Générale', 'La Banque Postale'],
    deliveryServices: ['La Poste', 'Colissimo', 'Chronopost', 'DPD'],
    emailDomains: ['example.fr', 'example.com'],
  },
  {
    locale: 'pl',
    currency: 'PLN',
    minorDigits: 2,
    perUsdCent: 4,
    cities: [
      ['Warszawa', 'mazowieckie', '00-'],
      ['Kraków', 'małopolskie', '30-'],
      ['Gdańsk', 'pomorskie', '80-'],
    ],
    zipDigits: 3,
    streets: ['ul. Marszałkowska', 'ul. Długa', 'ul. Floriańska', 'al. Jerozolimskie'],
    address: (house, street) => `${street} ${house}`,
    firstNames: ['Zofia', 'Jakub', 'Julia', 'Antoni', 'Maja', 'Szymon'],
    lastNames: ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kamiński', 'Lewandowski'],
    phone: (rng) => `+48 ${digits(rng, 3)} ${digits(rng, 3)} ${digits(rng, 3)}`,
    providers: ['blik', 'visa', 'mastercard', 'wbpay'],
    banks: ['PKO Bank Polski', 'mBank', 'Santander Bank Polska', 'ING Bank Śląski'],
    deliveryServices: ['InPost', 'DPD', 'Poczta Polska'],
    emailDomains: ['example.pl', 'example.com'],
  },
  {
    locale: 'tr',
    currency: 'TRY',
    minorDigits: 2,
    perUsdCent: 33,
    cities: [
      ['İstanbul', 'İstanbul', '34'],
      ['Ankara', 'Ankara', '06'],
      ['İzmir', 'İzmir', '35'],
    ],
    zipDigits: 3,
    streets: ['Atatürk Caddesi', 'İstiklal Caddesi', 'Cumhuriyet Bulvarı', 'Bağdat Caddesi'],
    address: (house, street) => `${street} No: ${house}`,
    firstNames: ['Elif', 'Mehmet', 'Zeynep', 'Mustafa', 'Ayşe', 'Emre'],
    lastNames: ['Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Yıldız'],
    phone: (rng) => `+90 5${digits(rng, 2)} ${digits(rng, 3)} ${digits(rng, 2)} ${digits(rng, 2)}`,
    providers: ['troy', 'visa', 'mastercard', 'wbpay'],
    banks: ['Ziraat Bankası', 'Garanti BBVA', 'İş Bankası', 'Akbank'],
    deliveryServices: ['Yurtiçi Kargo', 'Aras Kargo', 'PTT Kargo'],
    emailDomains: ['example.com.tr', 'example.com'],
  },
];

interface Product {
  brand: string;
  name: string;
  /** List price in US cents. */
  usdCents: number;
  size: SizeKind;
}

const CATALOGUE: readonly Product[] = [
  { brand: 'Nike', name: 'Air Zoom Pegasus 41', usdCents: 13_000, size: 'shoe' },
  { brand: 'Adidas', name: 'Ultraboost Light', usdCents: 19_000, size: 'shoe' },
  { brand: 'New Balance', name: '574 Core', usdCents: 9_000, size: 'shoe' },
  { brand: 'Converse', name: 'Chuck Taylor All Star', usdCents: 6_500, size: 'shoe' },
  { brand: 'Puma', name: 'Suede Classic', usdCents: 7_500, size: 'shoe' },
  { brand: "Levi's", name: '501 Original Jeans', usdCents: 8_000, size: 'waist' },
  { brand: 'Gloria Jeans', name: 'Slim Fit Jeans', usdCents: 2_999, size: 'waist' },
  { brand: 'Zara', name: 'Linen Blend Shirt', usdCents: 4_590, size: 'clothes' },
  { brand: 'Uniqlo', name: 'Ultra Light Down Jacket', usdCents: 7_990, size: 'clothes' },
  { brand: 'H&M', name: 'Relaxed Fit Hoodie', usdCents: 2_499, size: 'clothes' },
  { brand: 'The North Face', name: 'Nuptse Jacket', usdCents: 32_000, size: 'clothes' },
  { brand: 'Columbia', name: 'Silver Ridge Shirt', usdCents: 5_500, size: 'clothes' },
  { brand: 'Mango', name: 'Wool Blend Coat', usdCents: 15_999, size: 'clothes' },
  { brand: 'Befree', name: 'Oversize T-shirt', usdCents: 1_299, size: 'clothes' },
  { brand: 'Love Republic', name: 'Midi Dress', usdCents: 4_999, size: 'clothes' },
  { brand: 'Apple', name: 'AirPods Pro (2nd generation)', usdCents: 24_900, size: 'none' },
  { brand: 'Samsung', name: 'Galaxy Buds3', usdCents: 17_900, size: 'none' },
  { brand: 'Xiaomi', name: 'Redmi Note 13 8/256 GB', usdCents: 19_900, size: 'none' },
  { brand: 'Sony', name: 'WH-1000XM5 Headphones', usdCents: 39_999, size: 'none' },
  { brand: 'Logitech', name: 'MX Master 3S Mouse', usdCents: 9_999, size: 'none' },
  { brand: 'Garmin', name: 'Forerunner 265', usdCents: 44_999, size: 'none' },
  { brand: 'Casio', name: 'G-Shock GA-2100', usdCents: 9_900, size: 'none' },
  { brand: 'Ray-Ban', name: 'Wayfarer Classic', usdCents: 16_300, size: 'none' },
  { brand: 'LEGO', name: 'Classic Creative Brick Box', usdCents: 3_499, size: 'none' },
  { brand: 'Tefal', name: 'Ingenio Frying Pan 28 cm', usdCents: 4_500, size: 'none' },
  { brand: 'Philips', name: 'Series 3000 Shaver', usdCents: 6_999, size: 'none' },
  { brand: 'Bosch', name: 'GSR 12V-15 Drill', usdCents: 12_900, size: 'none' },
  { brand: 'Stanley', name: 'Quencher H2.0 Tumbler 1.18 L', usdCents: 4_500, size: 'none' },
  { brand: "L'Oréal Paris", name: 'Revitalift Day Cream 50 ml', usdCents: 1_899, size: 'none' },
  { brand: 'Nivea', name: 'Soft Moisturising Cream 200 ml', usdCents: 699, size: 'none' },
];

/** Item statuses, delivered (202) the most common. */
const STATUSES = [202, 202, 202, 202, 200, 200, 101, 300, 400] as const;
const SALES = [0, 0, 0, 0, 5, 10, 10, 15, 20, 25, 30, 40, 50, 70] as const;
const ENTRIES = ['WBIL', 'WBIL', 'WBIL', 'WBGO', 'WBEX'] as const;
const DAY_MS = 86_400_000;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function at<T>(values: readonly T[], index: number): T {
  const value = values[index];
  if (value === undefined) throw new Error(`no element ${index} in a list of ${values.length}`);
  return value;
}

function pick<T>(rng: Random, values: readonly T[]): T {
  return at(values, Math.floor(rng() * values.length));
}

function intBetween(rng: Random, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function hex(rng: Random, length: number): string {
  return Array.from({ length }, () => Math.floor(rng() * 16).toString(16)).join('');
}

function display(name: Name): string {
  return typeof name === 'string' ? name : name[0];
}

/** The ASCII form of a name for an e-mail address: the given transliteration, or the name without diacritics. */
function latin(name: Name): string {
  const text = typeof name === 'string' ? name : name[1];
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/ł/g, 'l')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

interface Customer {
  id: string;
  market: Market;
  name: string;
  phone: string;
  zip: string;
  city: string;
  region: string;
  address: string;
  email: string;
  provider: string;
  bank: string;
  deliveryService: string;
}

/** Customer number `n`: the same profile in every run, markets taken in turn so that any pool is varied. */
function customer(n: number): Customer {
  const rng = mulberry32(orderSeed(0x5eed_c057, n));
  const market = at(MARKETS, n % MARKETS.length);
  const first = pick(rng, market.firstNames);
  const last = pick(rng, market.lastNames);
  const [city, region, zipPrefix] = pick(rng, market.cities);
  const zip =
    market.currency === 'GBP'
      ? `${zipPrefix}${digits(rng, 1)}${pick(rng, [...LETTERS])}${pick(rng, [...LETTERS])}`
      : `${zipPrefix}${digits(rng, market.zipDigits)}`;
  return {
    id: `cust-${String(n + 1).padStart(5, '0')}`,
    market,
    name: `${display(first)} ${display(last)}`,
    phone: market.phone(rng),
    zip,
    city,
    region,
    address: market.address(intBetween(rng, 1, 180), pick(rng, market.streets)),
    email: `${latin(first)}.${latin(last)}${intBetween(rng, 1, 99)}@${pick(rng, market.emailDomains)}`,
    provider: pick(rng, market.providers),
    bank: pick(rng, market.banks),
    deliveryService: pick(rng, market.deliveryServices),
  };
}

function itemSize(rng: Random, kind: SizeKind): number {
  switch (kind) {
    case 'shoe':
      return intBetween(rng, 72, 92) / 2; // EU 36 to 46, half sizes included
    case 'clothes':
      return 2 * intBetween(rng, 21, 28); // 42 to 56
    case 'waist':
      return intBetween(rng, 26, 38);
    case 'none':
      return 0;
  }
}

/** A shop price in local minor units: converted, nudged, and ending like a price tag (…99 or …90). */
function localPrice(rng: Random, market: Market, usdCents: number): number {
  const raw = usdCents * market.perUsdCent * (0.9 + rng() * 0.2);
  if (market.minorDigits === 0) {
    const step = raw >= 10_000 ? 100 : 10;
    return Math.max(step, Math.ceil(raw / step) * step) - 1;
  }
  return Math.max(100, Math.ceil(raw / 100) * 100) - pick(rng, [1, 1, 10]);
}

function toMajor(minor: number, market: Market): number {
  return market.minorDigits === 0 ? minor : minor / 100;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function startOfUtcDay(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
}

/**
 * Order number `index` of a run. The first `customers` orders go to distinct
 * customers, later ones to any customer of the pool. The order carries no
 * order_uid: the API assigns one.
 */
export function generateOrder(rng: Random, index: number, options: GenerateOrderOptions = {}): OrderDraft {
  const pool = Math.max(1, options.customers ?? 20);
  const anchor = (options.anchor ?? startOfUtcDay(new Date())).getTime();
  const who = customer(index < pool ? index : Math.floor(rng() * pool));
  const { market } = who;

  const entry = pick(rng, ENTRIES);
  const trackNumber = `${entry}${Array.from({ length: 4 }, () => pick(rng, [...LETTERS])).join('')}${digits(rng, 8)}`;
  // Within the year before the anchor, paid up to 50 minutes after the order was placed.
  const createdMs = anchor - 3_600_000 - Math.floor(rng() * 364 * DAY_MS);
  const paidMs = createdMs + intBetween(rng, 5, 3_000) * 1_000;

  const itemCount = intBetween(rng, 1, 5);
  const items: Item[] = [];
  let goodsMinor = 0;
  for (let i = 0; i < itemCount; i++) {
    const product = pick(rng, CATALOGUE);
    const price = localPrice(rng, market, product.usdCents);
    const sale = pick(rng, SALES);
    const totalPrice = Math.round((price * (100 - sale)) / 100);
    goodsMinor += totalPrice;
    items.push({
      chrt_id: String(intBetween(rng, 1_000_000, 99_999_999)),
      track_number: trackNumber,
      price: toMajor(price, market),
      rid: `${hex(rng, 20)}${entry.slice(2).toLowerCase()}`,
      item_name: product.name,
      sale,
      item_size: itemSize(rng, product.size),
      total_price: toMajor(totalPrice, market),
      nm_id: String(intBetween(rng, 100_000, 999_999_999)),
      brand: product.brand,
      status: pick(rng, STATUSES),
    });
  }

  // Delivery is free above about 50 US dollars; a cross-border parcel sometimes pays customs.
  const freeDeliveryFrom = 5_000 * market.perUsdCent;
  const deliveryMinor = goodsMinor >= freeDeliveryFrom ? 0 : Math.round(pick(rng, [299, 499, 799, 1_500]) * market.perUsdCent);
  const customMinor = rng() < 0.15 ? Math.round(goodsMinor * (0.03 + rng() * 0.12)) : 0;
  const transaction = hex(rng, 24);

  return {
    track_number: trackNumber,
    entry,
    locale: market.locale,
    customer_id: who.id,
    delivery_service: rng() < 0.7 ? who.deliveryService : pick(rng, market.deliveryServices),
    shard_key: String(intBetween(rng, 0, 9)),
    sm_id: intBetween(rng, 1, 999),
    date_created: isoSeconds(createdMs),
    oof_shard: intBetween(rng, 1, 2),
    delivery: {
      name: who.name,
      phone: who.phone,
      zip: who.zip,
      city: who.city,
      address: who.address,
      region: who.region,
      email: who.email,
    },
    payment: {
      transaction,
      request_id: rng() < 0.8 ? '' : hex(rng, 16),
      currency: market.currency,
      provider: rng() < 0.8 ? who.provider : pick(rng, market.providers),
      amount: toMajor(goodsMinor + deliveryMinor + customMinor, market),
      payment_dt: isoSeconds(paidMs),
      bank: rng() < 0.9 ? who.bank : pick(rng, market.banks),
      delivery_cost: toMajor(deliveryMinor, market),
      goods_total: toMajor(goodsMinor, market),
      custom_fee: toMajor(customMinor, market),
    },
    items,
  };
}

/** Orders `0..count-1` of a run seeded with `seed`, as the seeder writes them. */
export function generateOrders(seed: number, count: number, anchor?: Date): OrderDraft[] {
  const customers = customerPoolSize(count);
  return Array.from({ length: count }, (_, index) => generateOrder(mulberry32(orderSeed(seed, index)), index, { customers, ...(anchor && { anchor }) }));
}

export interface SeedRun {
  /** The API's base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** The bearer token sent with every request (a token with orders:write and orders:write:all). */
  token: string;
  count: number;
  concurrency: number;
  seed: number;
  anchor?: Date;
  /**
   * Names this run in the Idempotency-Key of each request, so that a retried
   * POST never creates an order twice, while another run of the same seed
   * creates new orders.
   */
  runId: string;
  /** Called after each order is written or given up. */
  onSettled?: (outcome: SeedOutcome) => void;
  /** Stops handing out new orders; those in flight finish. */
  signal?: AbortSignal;
}

export type SeedOutcome = { index: number; ok: true; orderUid: string } | { index: number; ok: false; status: number | null; answer: string };

export interface SeedReport {
  created: { index: number; orderUid: string }[];
  failed: { index: number; status: number | null; answer: string }[];
  elapsedMs: number;
}

const RETRIABLE_STATUS = new Set([429, 502, 503, 504]);
const ATTEMPTS = 3;
const REQUEST_TIMEOUT_MS = 15_000;

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

async function writeOrder(run: SeedRun, index: number): Promise<SeedOutcome> {
  const order = generateOrder(mulberry32(orderSeed(run.seed, index)), index, {
    customers: customerPoolSize(run.count),
    ...(run.anchor && { anchor: run.anchor }),
  });
  const body = JSON.stringify(order);
  const endpoint = new URL('orders', run.url.endsWith('/') ? run.url : `${run.url}/`);
  let last: SeedOutcome = { index, ok: false, status: null, answer: 'not attempted' };
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 2)));
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${run.token}`,
          'idempotency-key': `seed-${run.runId}-${index}`,
          'x-request-id': `seed-${run.runId}-${index}-${attempt}`,
        },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status === 201) {
        const uid = (JSON.parse(text) as { order_uid?: unknown }).order_uid;
        if (typeof uid === 'string') return { index, ok: true, orderUid: uid };
        return { index, ok: false, status: res.status, answer: `201 without an order_uid: ${text}` };
      }
      last = { index, ok: false, status: res.status, answer: text };
      if (!RETRIABLE_STATUS.has(res.status)) return last;
    } catch (error) {
      last = { index, ok: false, status: null, answer: describeError(error) };
    }
  }
  return last;
}

/** Writes `count` orders through POST /orders with `concurrency` requests in flight. */
export async function seedOrders(run: SeedRun): Promise<SeedReport> {
  const started = performance.now();
  const report: SeedReport = { created: [], failed: [], elapsedMs: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < run.count && !run.signal?.aborted) {
      const index = next++;
      const outcome = await writeOrder(run, index);
      if (outcome.ok) report.created.push({ index, orderUid: outcome.orderUid });
      else report.failed.push({ index, status: outcome.status, answer: outcome.answer });
      run.onSettled?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(run.concurrency, run.count)) }, worker));
  report.created.sort((a, b) => a.index - b.index);
  report.failed.sort((a, b) => a.index - b.index);
  report.elapsedMs = performance.now() - started;
  return report;
}
