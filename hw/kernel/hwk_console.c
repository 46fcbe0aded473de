/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_console.c - output on port 0xE9 (Bochs port_e9_hack, QEMU
 * isa-debugcon) and on COM1 (115200 8N1, for metal), and a small
 * vsnprintf: %d %i %u %x %X %p %s %c %%, flags '-' and '0', a width, and
 * the l, ll, z length modifiers.
 */
#include "hwk.h"

#define COM1       0x3f8
#define PORT_E9    0xe9
#define COM_THRE   0x20
#define COM_POLL_N 100000 /* give up on a UART that never gets ready */

void *
hwk_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n-- > 0)
		*d++ = (unsigned char)c;
	return dst;
}

void *
hwk_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

int
hwk_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

void
hwk_console_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void
hwk_putc(char c)
{
	int n;

	outb(PORT_E9, (uint8_t)c);
	for (n = 0; n < COM_POLL_N && (inb(COM1 + 5) & COM_THRE) == 0; n++)
		continue;
	outb(COM1, (uint8_t)c);
}

void
hwk_puts(const char *s)
{
	while (*s != '\0')
		hwk_putc(*s++);
}

void
hwk_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	hwk_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hwk_puts(buf);
}

int
hwk_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hwk_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* The output buffer: counts what would have been written, like C's. */
struct fmt_out {
	char *buf;
	size_t size, len;
};

static void
out_c(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* One conversion's flags. */
struct fmt_spec {
	bool left, zero;
	int width;
	int lng; /* 0: int, 1: long, 2: long long */
};

static void
out_padded(struct fmt_out *o, const struct fmt_spec *sp, const char *s, int n)
{
	char pad = sp->zero && !sp->left ? '0' : ' ';
	int i;

	if (!sp->left)
		for (i = n; i < sp->width; i++)
			out_c(o, pad);
	for (i = 0; i < n; i++)
		out_c(o, s[i]);
	if (sp->left)
		for (i = n; i < sp->width; i++)
			out_c(o, ' ');
}

static void
out_num(struct fmt_out *o, const struct fmt_spec *sp, uint64_t v, unsigned base, bool neg,
        bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], rev[24];
	int n = 0, i;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	i = 0;
	if (neg)
		tmp[i++] = '-';
	while (n > 0)
		tmp[i++] = rev[--n];
	if (neg && sp->zero && !sp->left) {
		struct fmt_spec s2 = *sp;

		out_c(o, '-');
		s2.width = sp->width > 0 ? sp->width - 1 : 0;
		out_padded(o, &s2, tmp + 1, i - 1);
		return;
	}
	out_padded(o, sp, tmp, i);
}

static const char *
parse_spec(const char *f, struct fmt_spec *sp)
{
	hwk_memset(sp, 0, sizeof(*sp));
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	while (*f == 'l' || *f == 'z') {
		sp->lng = sp->lng < 2 ? sp->lng + 1 : 2;
		f++;
	}
	return f;
}

static uint64_t
arg_unsigned(va_list *ap, int lng)
{
	if (lng == 0)
		return va_arg(*ap, unsigned int);
	return va_arg(*ap, unsigned long);
}

static int64_t
arg_signed(va_list *ap, int lng)
{
	if (lng == 0)
		return va_arg(*ap, int);
	return va_arg(*ap, long);
}

static void
out_conv(struct fmt_out *o, char c, const struct fmt_spec *sp, va_list *ap)
{
	const char *s;
	int64_t sv;
	char ch;
	int n;

	switch (c) {
	case 'd':
	case 'i':
		sv = arg_signed(ap, sp->lng);
		out_num(o, sp, sv < 0 ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv, 10, sv < 0,
		        false);
		break;
	case 'u':
		out_num(o, sp, arg_unsigned(ap, sp->lng), 10, false, false);
		break;
	case 'x':
	case 'X':
		out_num(o, sp, arg_unsigned(ap, sp->lng), 16, false, c == 'X');
		break;
	case 'p':
		out_c(o, '0');
		out_c(o, 'x');
		out_num(o, sp, (uint64_t)va_arg(*ap, void *), 16, false, false);
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (s == NULL)
			s = "(null)";
		for (n = 0; s[n] != '\0'; n++)
			continue;
		out_padded(o, sp, s, n);
		break;
	case 'c':
		ch = (char)va_arg(*ap, int);
		out_padded(o, sp, &ch, 1);
		break;
	default:
		out_c(o, '%');
		out_c(o, c);
		break;
	}
}

int
hwk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, size, 0 };
	struct fmt_spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt != '\0') {
		if (*fmt != '%') {
			out_c(&o, *fmt++);
			continue;
		}
		if (fmt[1] == '%') {
			out_c(&o, '%');
			fmt += 2;
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		if (*fmt == '\0')
			break;
		out_conv(&o, *fmt++, &sp, &aq);
	}
	va_end(aq);
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}
