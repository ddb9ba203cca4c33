-- Dump of the catalogue database (fictional shop)
CREATE TABLE `products` (`id` int, `name` varchar(80), `ean` bigint, `created` int, `updated` datetime);
INSERT INTO `products` VALUES (1,'Widget',4006381333931,1772445601,'2026-03-01 10:00:00'),(2,'Gadget',5012345678900,1772445602,'2026-03-01 10:05:00');
INSERT INTO `sessions` VALUES ('550e8400-e29b-41d4-a716-446655440000',1772445601123,'203.0.113.9');
INSERT INTO `audit` VALUES (77,'price change',1772445700,'{"order_id": 4712039988123450, "ts": 1772445700}');
