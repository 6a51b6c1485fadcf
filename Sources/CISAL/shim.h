// Intel ISA-L (Debian libisal-dev): the optional inflate engine, built only
// with the package trait ISAL (`swift build --traits ISAL`).
#include <isa-l.h>
