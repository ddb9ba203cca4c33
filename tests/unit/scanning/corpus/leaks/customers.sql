-- Dump of the shop database, left on a public bucket
CREATE TABLE `customers` (`id` int, `name` varchar(80), `email` varchar(120), `card_number` varchar(19), `card_exp` char(5));
INSERT INTO `customers` VALUES (1,'Jane Roe','jane.roe@example.com','4556737589501235','04/29');
INSERT INTO `customers` VALUES (2,'Omar Haddad','o.haddad@example.net','5312 6789 0123 4562','11/27');
INSERT INTO `customers` VALUES (3,'Lena Park','lena@example.org','349876543210986','01/28');
