package azure

import "testing"

// For the tests of package azure_test, which drive the command line
// (internal/cli imports this package, so only an external test can).

type (
	Azurite       = azurite
	AzuriteConfig = azuriteConfig
)

func StartAzurite(t *testing.T) *Azurite                        { return startAzurite(t) }
func StartAzuriteWith(t *testing.T, cfg AzuriteConfig) *Azurite { return startAzuriteWith(t, cfg) }
func (a *azurite) Stop()                                        { a.stop() }
