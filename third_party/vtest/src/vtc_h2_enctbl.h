/*-
 * For Copyright information see RFC7541 [BSD3]
 */

HPACK(0,    0x1ff8,      13)
HPACK(1,    0x7fffd8,    23)
HPACK(2,    0xfffffe2,   28)
HPACK(3,    0xfffffe3,   28)
HPACK(4,    0xfffffe4,   28)
HPACK(5,    0xfffffe5,   28)
HPACK(6,    0xfffffe6,   28)
HPACK(7,    0xfffffe7,   28)
HPACK(8,    0xfffffe8,   28)
HPACK(9,    0xffffea,    24)
HPACK(10,   0x3ffffffc,  30)
HPACK(11,   0xfffffe9,   28)
HPACK(12,   0xfffffea,   28)
HPACK(13,   0x3ffffffd,  30)
HPACK(14,   0xfffffeb,   28)
HPACK(15,   0xfffffec,   28)
HPACK(16,   0xfffffed,   28)
HPACK(17,   0xfffffee,   28)
HPACK(18,   0xfffffef,   28)
HPACK(19,   0xffffff0,   28)
HPACK(20,   0xffffff1,   28)
HPACK(21,   0xffffff2,   28)
HPACK(22,   0x3ffffffe,  30)
HPACK(23,   0xffffff3,   28)
HPACK(24,   0xffffff4,   28)
HPACK(25,   0xffffff5,   28)
HPACK(26,   0xffffff6,   28)
HPACK(27,   0xffffff7,   28)
HPACK(28,   0xffffff8,   28)
HPACK(29,   0xffffff9,   28)
HPACK(30,   0xffffffa,   28)
HPACK(31,   0xffffffb,   28)
HPACK(32,   0x14,         6)    /* ' ' */
HPACK(33,   0x3f8,       10)    /* '!' */
HPACK(34,   0x3f9,       10)    /* '"' */
HPACK(35,   0xffa,       12)    /* '#' */
HPACK(36,   0x1ff9,      13)    /* '$' */
HPACK(37,   0x15,         6)    /* '%' */
HPACK(38,   0xf8,         8)    /* '&' */
HPACK(39,   0x7fa,       11)    /* ''' */
HPACK(40,   0x3fa,       10)    /* '(' */
HPACK(41,   0x3fb,       10)    /* ')' */
HPACK(42,   0xf9,         8)    /* '*' */
HPACK(43,   0x7fb,       11)    /* '+' */
HPACK(44,   0xfa,         8)    /* ',' */
HPACK(45,   0x16,         6)    /* '-' */
HPACK(46,   0x17,         6)    /* '.' */
HPACK(47,   0x18,         6)    /* '/' */
HPACK(48,   0x0,          5)    /* '0' */
HPACK(49,   0x1,          5)    /* '1' */
HPACK(50,   0x2,          5)    /* '2' */
HPACK(51,   0x19,         6)    /* '3' */
HPACK(52,   0x1a,         6)    /* '4' */
HPACK(53,   0x1b,         6)    /* '5' */
HPACK(54,   0x1c,         6)    /* '6' */
HPACK(55,   0x1d,         6)    /* '7' */
HPACK(56,   0x1e,         6)    /* '8' */
HPACK(57,   0x1f,         6)    /* '9' */
HPACK(58,   0x5c,         7)    /* ':' */
HPACK(59,   0xfb,         8)    /* ';' */
HPACK(60,   0x7ffc,      15)    /* '<' */
HPACK(61,   0x20,         6)    /* '=' */
HPACK(62,   0xffb,       12)    /* '>' */
HPACK(63,   0x3fc,       10)    /* '?' */
HPACK(64,   0x1ffa,      13)    /* '@' */
HPACK(65,   0x21,         6)    /* 'A' */
HPACK(66,   0x5d,         7)    /* 'B' */
HPACK(67,   0x5e,         7)    /* 'C' */
HPACK(68,   0x5f,         7)    /* 'D' */
HPACK(69,   0x60,         7)    /* 'E' */
HPACK(70,   0x61,         7)    /* 'F' */
HPACK(71,   0x62,         7)    /* 'G' */
HPACK(72,   0x63,         7)    /* 'H' */
HPACK(73,   0x64,         7)    /* 'I' */
HPACK(74,   0x65,         7)    /* 'J' */
HPACK(75,   0x66,         7)    /* 'K' */
HPACK(76,   0x67,         7)    /* 'L' */
HPACK(77,   0x68,         7)    /* 'M' */
HPACK(78,   0x69,         7)    /* 'N' */
HPACK(79,   0x6a,         7)    /* 'O' */
HPACK(80,   0x6b,         7)    /* 'P' */
HPACK(81,   0x6c,         7)    /* 'Q' */
HPACK(82,   0x6d,         7)    /* 'R' */
HPACK(83,   0x6e,         7)    /* 'S' */
HPACK(84,   0x6f,         7)    /* 'T' */
HPACK(85,   0x70,         7)    /* 'U' */
HPACK(86,   0x71,         7)    /* 'V' */
HPACK(87,   0x72,         7)    /* 'W' */
HPACK(88,   0xfc,         8)    /* 'X' */
HPACK(89,   0x73,         7)    /* 'Y' */
HPACK(90,   0xfd,         8)    /* 'Z' */
HPACK(91,   0x1ffb,      13)    /* '[' */
HPACK(92,   0x7fff0,     19)    /* '\' */
HPACK(93,   0x1ffc,      13)    /* ']' */
HPACK(94,   0x3ffc,      14)    /* '^' */
HPACK(95,   0x22,         6)    /* '_' */
HPACK(96,   0x7ffd,      15)    /* '`' */
HPACK(97,   0x3,          5)    /* 'a' */
HPACK(98,   0x23,         6)    /* 'b' */
HPACK(99,   0x4,          5)    /* 'c' */
HPACK(100,  0x24,         6)    /* 'd' */
HPACK(101,  0x5,          5)    /* 'e' */
HPACK(102,  0x25,         6)    /* 'f' */
HPACK(103,  0x26,         6)    /* 'g' */
HPACK(104,  0x27,         6)    /* 'h' */
HPACK(105,  0x6,          5)    /* 'i' */
HPACK(106,  0x74,         7)    /* 'j' */
HPACK(107,  0x75,         7)    /* 'k' */
HPACK(108,  0x28,         6)    /* 'l' */
HPACK(109,  0x29,         6)    /* 'm' */
HPACK(110,  0x2a,         6)    /* 'n' */
HPACK(111,  0x7,          5)    /* 'o' */
HPACK(112,  0x2b,         6)    /* 'p' */
HPACK(113,  0x76,         7)    /* 'q' */
HPACK(114,  0x2c,         6)    /* 'r' */
HPACK(115,  0x8,          5)    /* 's' */
HPACK(116,  0x9,          5)    /* 't' */
HPACK(117,  0x2d,         6)    /* 'u' */
HPACK(118,  0x77,         7)    /* 'v' */
HPACK(119,  0x78,         7)    /* 'w' */
HPACK(120,  0x79,         7)    /* 'x' */
HPACK(121,  0x7a,         7)    /* 'y' */
HPACK(122,  0x7b,         7)    /* 'z' */
HPACK(123,  0x7ffe,      15)    /* '{' */
HPACK(124,  0x7fc,       11)    /* '|' */
HPACK(125,  0x3ffd,      14)    /* '}' */
HPACK(126,  0x1ffd,      13)    /* '~' */
HPACK(127,  0xffffffc,   28)
HPACK(128,  0xfffe6,     20)
HPACK(129,  0x3fffd2,    22)
HPACK(130,  0xfffe7,     20)
HPACK(131,  0xfffe8,     20)
HPACK(132,  0x3fffd3,    22)
HPACK(133,  0x3fffd4,    22)
HPACK(134,  0x3fffd5,    22)
HPACK(135,  0x7fffd9,    23)
HPACK(136,  0x3fffd6,    22)
HPACK(137,  0x7fffda,    23)
HPACK(138,  0x7fffdb,    23)
HPACK(139,  0x7fffdc,    23)
HPACK(140,  0x7fffdd,    23)
HPACK(141,  0x7fffde,    23)
HPACK(142,  0xffffeb,    24)
HPACK(143,  0x7fffdf,    23)
HPACK(144,  0xffffec,    24)
HPACK(145,  0xffffed,    24)
HPACK(146,  0x3fffd7,    22)
HPACK(147,  0x7fffe0,    23)
HPACK(148,  0xffffee,    24)
HPACK(149,  0x7fffe1,    23)
HPACK(150,  0x7fffe2,    23)
HPACK(151,  0x7fffe3,    23)
HPACK(152,  0x7fffe4,    23)
HPACK(153,  0x1fffdc,    21)
HPACK(154,  0x3fffd8,    22)
HPACK(155,  0x7fffe5,    23)
HPACK(156,  0x3fffd9,    22)
HPACK(157,  0x7fffe6,    23)
HPACK(158,  0x7fffe7,    23)
HPACK(159,  0xffffef,    24)
HPACK(160,  0x3fffda,    22)
HPACK(161,  0x1fffdd,    21)
HPACK(162,  0xfffe9,     20)
HPACK(163,  0x3fffdb,    22)
HPACK(164,  0x3fffdc,    22)
HPACK(165,  0x7fffe8,    23)
HPACK(166,  0x7fffe9,    23)
HPACK(167,  0x1fffde,    21)
HPACK(168,  0x7fffea,    23)
HPACK(169,  0x3fffdd,    22)
HPACK(170,  0x3fffde,    22)
HPACK(171,  0xfffff0,    24)
HPACK(172,  0x1fffdf,    21)
HPACK(173,  0x3fffdf,    22)
HPACK(174,  0x7fffeb,    23)
HPACK(175,  0x7fffec,    23)
HPACK(176,  0x1fffe0,    21)
HPACK(177,  0x1fffe1,    21)
HPACK(178,  0x3fffe0,    22)
HPACK(179,  0x1fffe2,    21)
HPACK(180,  0x7fffed,    23)
HPACK(181,  0x3fffe1,    22)
HPACK(182,  0x7fffee,    23)
HPACK(183,  0x7fffef,    23)
HPACK(184,  0xfffea,     20)
HPACK(185,  0x3fffe2,    22)
HPACK(186,  0x3fffe3,    22)
HPACK(187,  0x3fffe4,    22)
HPACK(188,  0x7ffff0,    23)
HPACK(189,  0x3fffe5,    22)
HPACK(190,  0x3fffe6,    22)
HPACK(191,  0x7ffff1,    23)
HPACK(192,  0x3ffffe0,   26)
HPACK(193,  0x3ffffe1,   26)
HPACK(194,  0xfffeb,     20)
HPACK(195,  0x7fff1,     19)
HPACK(196,  0x3fffe7,    22)
HPACK(197,  0x7ffff2,    23)
HPACK(198,  0x3fffe8,    22)
HPACK(199,  0x1ffffec,   25)
HPACK(200,  0x3ffffe2,   26)
HPACK(201,  0x3ffffe3,   26)
HPACK(202,  0x3ffffe4,   26)
HPACK(203,  0x7ffffde,   27)
HPACK(204,  0x7ffffdf,   27)
HPACK(205,  0x3ffffe5,   26)
HPACK(206,  0xfffff1,    24)
HPACK(207,  0x1ffffed,   25)
HPACK(208,  0x7fff2,     19)
HPACK(209,  0x1fffe3,    21)
HPACK(210,  0x3ffffe6,   26)
HPACK(211,  0x7ffffe0,   27)
HPACK(212,  0x7ffffe1,   27)
HPACK(213,  0x3ffffe7,   26)
HPACK(214,  0x7ffffe2,   27)
HPACK(215,  0xfffff2,    24)
HPACK(216,  0x1fffe4,    21)
HPACK(217,  0x1fffe5,    21)
HPACK(218,  0x3ffffe8,   26)
HPACK(219,  0x3ffffe9,   26)
HPACK(220,  0xffffffd,   28)
HPACK(221,  0x7ffffe3,   27)
HPACK(222,  0x7ffffe4,   27)
HPACK(223,  0x7ffffe5,   27)
HPACK(224,  0xfffec,     20)
HPACK(225,  0xfffff3,    24)
HPACK(226,  0xfffed,     20)
HPACK(227,  0x1fffe6,    21)
HPACK(228,  0x3fffe9,    22)
HPACK(229,  0x1fffe7,    21)
HPACK(230,  0x1fffe8,    21)
HPACK(231,  0x7ffff3,    23)
HPACK(232,  0x3fffea,    22)
HPACK(233,  0x3fffeb,    22)
HPACK(234,  0x1ffffee,   25)
HPACK(235,  0x1ffffef,   25)
HPACK(236,  0xfffff4,    24)
HPACK(237,  0xfffff5,    24)
HPACK(238,  0x3ffffea,   26)
HPACK(239,  0x7ffff4,    23)
HPACK(240,  0x3ffffeb,   26)
HPACK(241,  0x7ffffe6,   27)
HPACK(242,  0x3ffffec,   26)
HPACK(243,  0x3ffffed,   26)
HPACK(244,  0x7ffffe7,   27)
HPACK(245,  0x7ffffe8,   27)
HPACK(246,  0x7ffffe9,   27)
HPACK(247,  0x7ffffea,   27)
HPACK(248,  0x7ffffeb,   27)
HPACK(249,  0xffffffe,   28)
HPACK(250,  0x7ffffec,   27)
HPACK(251,  0x7ffffed,   27)
HPACK(252,  0x7ffffee,   27)
HPACK(253,  0x7ffffef,   27)
HPACK(254,  0x7fffff0,   27)
HPACK(255,  0x3ffffee,   26)
HPACK(0,    0x3fffffff,  30)
