"""The emergency bridge fund (应急周转): short loans to 助保贷 borrowers whose loan falls due."""
